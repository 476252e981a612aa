package org.clengine.device;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.clengine.core.ClEngineException;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Programs built from {@code /kernels/FILE} on the classpath, cached in memory per (file, options) and on disk as
 * device binaries keyed by platform, device, driver, file, options and the source's hash, so that a second JVM does
 * not recompile. A disk entry carries a SHA-256 of its payload; a damaged entry is deleted and rebuilt. Entries are
 * written to a temporary file and renamed into place, so a JVM building at the same time never reads half a file.
 * Entries of another driver version have other keys and are never looked at.
 */
public final class ProgramCache implements AutoCloseable {
    public static final String DIR_PROPERTY = "clengine.cache.dir";
    public static final String DIR_ENVIRONMENT = "CLENGINE_CACHE_DIR";
    private static final Logger log = LoggerFactory.getLogger(ProgramCache.class);
    private static final byte[] MAGIC = "CLENGINE-BIN-1\n".getBytes(StandardCharsets.US_ASCII);

    /** One build or load, for {@code devices --verbose}. */
    public record BuildRecord(String file, String options, String source, double millis) {
    }

    private record Key(String file, String options) {
    }

    private final Device device;
    private final Path directory;
    private final Map<Key, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final List<BuildRecord> records = new ArrayList<>();

    ProgramCache(Device device, Path directory) {
        this.device = device;
        this.directory = directory;
    }

    /** {@code -Dclengine.cache.dir}, else {@code CLENGINE_CACHE_DIR}, else {@code $XDG_CACHE_HOME/clengine}, else {@code ~/.cache/clengine}. */
    public static Path defaultDirectory() {
        String dir = System.getProperty(DIR_PROPERTY);
        if (dir == null || dir.isBlank()) dir = System.getenv(DIR_ENVIRONMENT);
        if (dir != null && !dir.isBlank()) return Path.of(dir);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("clengine");
    }

    public Path directory() {
        return directory;
    }

    public List<BuildRecord> records() {
        return List.copyOf(records);
    }

    cl_kernel kernel(String file, String name, String options) {
        String kernelKey = file + "\u0000" + options + "\u0000" + name;
        cl_kernel kernel = kernels.get(kernelKey);
        if (kernel != null) return kernel;
        cl_program program = program(file, options);
        try {
            kernel = clCreateKernel(program, name, null);
        } catch (CLException e) {
            throw ClException.of(e, "creating kernel " + name + " from kernels/" + file, device.info().label());
        }
        kernels.put(kernelKey, kernel);
        return kernel;
    }

    /** The built program for (file, options): from memory, else from the disk cache, else compiled. */
    public cl_program program(String file, String options) {
        Key key = new Key(file, options);
        cl_program program = programs.get(key);
        if (program != null) return program;
        String source = source(file);
        Path entry = directory.resolve(diskKey(file, options, source) + ".bin");
        long start = System.nanoTime();
        program = loadBinary(entry, file, options);
        String from = "disk cache";
        if (program == null) {
            program = compile(file, options, source);
            from = "compiled";
            storeBinary(entry, program);
        }
        records.add(new BuildRecord(file, options, from, (System.nanoTime() - start) / 1e6));
        programs.put(key, program);
        return program;
    }

    /** The text of {@code /kernels/FILE} from the classpath. */
    public static String source(String file) {
        try (InputStream in = ProgramCache.class.getResourceAsStream("/kernels/" + file)) {
            if (in == null) throw new ClEngineException("kernel source /kernels/" + file + " is not on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ClEngineException("reading /kernels/" + file + " from the classpath", e);
        }
    }

    private cl_program compile(String file, String options, String source) {
        cl_program program = clCreateProgramWithSource(device.context(), 1, new String[] {source}, null, null);
        build(program, file, options);
        return program;
    }

    private void build(cl_program program, String file, String options) {
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device.info().id()}, options, null, null);
        } catch (CLException e) {
            String buildLog = buildLog(program);
            clReleaseProgram(program);
            throw new KernelBuildException(file, options, device.info().label(), buildLog, e);
        }
    }

    private String buildLog(cl_program program) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, device.info().id(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] bytes = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, device.info().id(), CL_PROGRAM_BUILD_LOG, bytes.length,
                    Pointer.to(bytes), null);
            return new String(bytes, StandardCharsets.UTF_8).replace("\u0000", "");
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }

    private String diskKey(String file, String options, String source) {
        DeviceInfo d = device.info();
        return sha256Hex(String.join("\u0000", d.platformName(), d.platformVersion(), d.name(), d.vendor(),
                d.driverVersion(), file, options, source).getBytes(StandardCharsets.UTF_8));
    }

    private cl_program loadBinary(Path entry, String file, String options) {
        if (!Files.isRegularFile(entry)) return null;
        byte[] binary;
        try {
            binary = verifiedPayload(Files.readAllBytes(entry));
        } catch (IOException e) {
            binary = null;
        }
        if (binary == null) {
            log.warn("program cache entry {} is damaged; deleting it and recompiling kernels/{}", entry, file);
            deleteQuietly(entry);
            return null;
        }
        try {
            int[] status = new int[1];
            cl_program program = clCreateProgramWithBinary(device.context(), 1,
                    new cl_device_id[] {device.info().id()}, new long[] {binary.length}, new byte[][] {binary},
                    status, null);
            build(program, file, options);
            return program;
        } catch (CLException | KernelBuildException e) {
            log.warn("program cache entry {} was rejected by the driver ({}); recompiling", entry, e.getMessage());
            deleteQuietly(entry);
            return null;
        }
    }

    private void storeBinary(Path entry, cl_program program) {
        try {
            long[] size = new long[1];
            clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] == 0) return;
            byte[] binary = new byte[(int) size[0]];
            clGetProgramInfo(program, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(binary)), null);
            createPrivateDirectory(directory);
            Path tmp = Files.createTempFile(directory, "entry", ".tmp");
            Files.write(tmp, withChecksum(binary));
            Files.move(tmp, entry, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | CLException e) {
            log.warn("could not store a program binary in {}: {}", directory, e.toString());
        }
    }

    /** The cache directory is the user's alone (0700): binaries from it are loaded into the driver. */
    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) return;
        try {
            Files.createDirectories(dir, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createDirectories(dir);
        }
    }

    static byte[] withChecksum(byte[] payload) {
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 32 + 8 + payload.length);
        out.put(MAGIC).put(sha256(payload)).putLong(payload.length).put(payload);
        return out.array();
    }

    /** The payload if magic, length and checksum hold; else null. */
    static byte[] verifiedPayload(byte[] entry) {
        if (entry.length < MAGIC.length + 40) return null;
        ByteBuffer in = ByteBuffer.wrap(entry);
        byte[] magic = new byte[MAGIC.length];
        byte[] checksum = new byte[32];
        in.get(magic).get(checksum);
        long length = in.getLong();
        if (!Arrays.equals(magic, MAGIC) || length != in.remaining()) return null;
        byte[] payload = new byte[(int) length];
        in.get(payload);
        return Arrays.equals(checksum, sha256(payload)) ? payload : null;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256Hex(byte[] data) {
        return HexFormat.of().formatHex(sha256(data));
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // a stale entry that cannot be deleted is rebuilt in memory each time; nothing worse
        }
    }

    @Override
    public void close() {
        kernels.values().forEach(k -> clReleaseKernel(k));
        kernels.clear();
        programs.values().forEach(p -> clReleaseProgram(p));
        programs.clear();
    }
}
