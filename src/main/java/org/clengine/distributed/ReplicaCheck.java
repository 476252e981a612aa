package org.clengine.distributed;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.clengine.core.Tensor;
import org.clengine.nn.Module;
import org.clengine.nn.Parameter;

/** Makes the ranks' models replicas: the same parameters on every rank (else a clear error), rank 0's values. */
final class ReplicaCheck {
    private ReplicaCheck() {
    }

    /**
     * Every rank's (parameter count, value count, hash of names and shapes), compared with rank 0's: a fixed-length
     * fingerprint, so that models of any difference fail here with a message rather than in a later exchange.
     */
    static void sameModels(Collective collective, Module model) {
        Map<String, Parameter> params = model.parameters();
        long values = 0;
        StringBuilder layout = new StringBuilder();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            values += e.getValue().value().size();
            layout.append(e.getKey()).append(Arrays.toString(e.getValue().value().shape())).append(';');
        }
        double[] mine = {params.size(), values, layout.toString().hashCode()};
        double[][] all = collective.allGather(mine);
        List<Integer> differ = new ArrayList<>();
        for (int r = 1; r < all.length; r++) if (!Arrays.equals(all[r], all[0])) differ.add(r);
        if (!differ.isEmpty()) {
            int r = differ.get(0);
            throw new CollectiveException("the ranks' models differ: rank 0 has " + (long) all[0][0]
                    + " parameters of " + (long) all[0][1] + " values, rank " + r + " has " + (long) all[r][0]
                    + " of " + (long) all[r][1] + (all[r][0] == all[0][0] && all[r][1] == all[0][1]
                    ? " with other names or shapes" : "") + " (ranks differing from rank 0: " + differ + ")");
        }
    }

    /** Rank 0's parameters and buffers (running statistics) onto every rank, one all-gather each. */
    static void copyFromRankZero(Collective collective, Module model) {
        for (Parameter p : model.parameters().values()) copy(collective, p.value());
        for (Tensor t : model.buffers().values()) copy(collective, t);
    }

    private static void copy(Collective collective, Tensor t) {
        float[][] all = collective.allGather(t.toArray());
        if (collective.rank() != 0) t.copyFrom(all[0]);
    }
}
