package org.clengine.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;
import org.clengine.cli.Main;

/**
 * {@code ./clengine train}, data-parallel on a Spark cluster. Spark's barrier execution mode gang-schedules N tasks
 * (all start together or none does, and a failed one restarts the whole stage); rank 0's task picks a free port on
 * its executor and {@link BarrierTaskContext#allGather} hands that address to every task once; then each task runs
 * one rank of {@code train --world-size N --rank R --master HOST:PORT} in its executor, and every step's gradients
 * and batch-norm statistics go over the engine's own TCP connections ({@code TcpCollective}): Spark's barrier calls
 * cost milliseconds to seconds each, far too slow per step. This is how XGBoost4J-Spark and LightGBM on Spark run
 * their own collectives inside barrier tasks.
 *
 * <pre>{@code
 * spark-submit --class org.clengine.spark.SparkTrain clengine-spark.jar --world-size 4 --epochs 3 --out /tmp/run
 * }</pre>
 * Every executor reads {@code --data} from its own file system, and needs one slot per rank (barrier mode refuses a
 * stage it cannot start at once). Rank 0 writes {@code train}'s outputs into {@code --out} on its executor.
 */
public final class SparkTrain {

    /** One rank's {@code train}: its exit code and what it printed. */
    public record RankResult(int rank, int exitCode, String out, String err) implements Serializable {
    }

    private SparkTrain() {
    }

    /** {@code --world-size N} and {@code train}'s options (without {@code --rank} or {@code --master}). */
    public static void main(String[] args) {
        int worldSize = worldSize(args);
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        int at = rest.indexOf("--world-size");
        rest.subList(at, at + 2).clear();
        SparkConf conf = new SparkConf().setAppName("clengine train, " + worldSize + " ranks");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            for (RankResult r : train(sc, worldSize, rest.toArray(new String[0]))) {
                System.out.print(r.out());
            }
        }
    }

    /**
     * Runs {@code train trainOptions... --world-size N --rank R --master …} on {@code worldSize} barrier tasks of
     * {@code sc}; returns each rank's result in rank order. A rank that fails fails its task, and so the job, with its
     * error output in the message.
     */
    public static List<RankResult> train(JavaSparkContext sc, int worldSize, String... trainOptions) {
        if (worldSize < 1) throw new IllegalArgumentException("world size " + worldSize + " is below 1");
        for (String o : trainOptions) {
            if (o.equals("--rank") || o.equals("--master") || o.equals("--world-size")) {
                throw new IllegalArgumentException(o + " is set by the launcher, one per task");
            }
        }
        String[] options = trainOptions.clone();
        List<Integer> ranks = IntStream.range(0, worldSize).boxed().toList();
        ClassTag<RankResult> tag = ClassTag$.MODULE$.apply(RankResult.class);
        RDD<RankResult> stage = sc.parallelize(ranks, worldSize).rdd().barrier()
                .mapPartitions(new RankTask(worldSize, options), false, tag);
        List<RankResult> results = new ArrayList<>(new JavaRDD<>(stage, tag).collect());
        results.sort(Comparator.comparingInt(RankResult::rank));
        return results;
    }

    /** The barrier stage's function (a Scala function: the Java API has no barrier mode). */
    private static final class RankTask extends AbstractFunction1<Iterator<Integer>, Iterator<RankResult>>
            implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int worldSize;
        private final String[] options;

        RankTask(int worldSize, String[] options) {
            this.worldSize = worldSize;
            this.options = options;
        }

        @Override
        public Iterator<RankResult> apply(Iterator<Integer> partition) {
            return CollectionConverters.asScala(List.of(runRank(worldSize, options)).iterator());
        }
    }

    /** Inside a barrier task: agree on rank 0's address, then run this task's rank of {@code train}. */
    private static RankResult runRank(int worldSize, String[] options) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        int rank = ctx.partitionId();
        String offer = rank == 0 ? masterAddress(ctx) : "";
        String master = ctx.allGather(offer)[0];
        List<String> args = new ArrayList<>(List.of("train"));
        args.addAll(Arrays.asList(options));
        args.addAll(List.of("--world-size", "" + worldSize, "--rank", "" + rank, "--master", master));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(new String[0]));
        if (code != 0) {
            throw new IllegalStateException("rank " + rank + " of " + worldSize + " failed (exit " + code + "): "
                    + err.toString().strip());
        }
        return new RankResult(rank, code, out.toString(), err.toString());
    }

    /**
     * This executor's host, as Spark knows it, and a port that was free a moment ago. Another process could take the
     * port before rank 0 listens on it: then rank 0 fails with "the port is in use" and Spark retries the stage.
     */
    private static String masterAddress(BarrierTaskContext ctx) {
        String executor = ctx.getTaskInfos()[ctx.partitionId()].address();
        String host = executor.contains(":") ? executor.substring(0, executor.lastIndexOf(':')) : executor;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            return host + ":" + s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + host + " for rank 0", e);
        }
    }

    private static int worldSize(String[] args) {
        int at = Arrays.asList(args).indexOf("--world-size");
        if (at < 0 || at + 1 >= args.length) {
            throw new IllegalArgumentException("usage: SparkTrain --world-size N [train options]");
        }
        return Integer.parseInt(args[at + 1]);
    }
}
