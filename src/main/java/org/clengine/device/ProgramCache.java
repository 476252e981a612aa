package org.clengine.device;

import static org.jocl.CL.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.clengine.core.ClEngineException;
import org.jocl.CL;
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
 * device binaries ({@link ProgramStore}) so that a second JVM does not recompile. A disk entry records its full key
 * (platform, device, driver, file, options, source hash, entry format) and a MAC under the cache's secret; it is
 * loaded only for exactly that key. Whatever does not match, the driver rejects, or lacks a kernel that its source
 * has, is rebuilt from source and replaced. The directory is used only if it is the user's own and private
 * ({@link PrivateDirectory}); otherwise programs are built in memory and a warning says why, once.
 */
public final class ProgramCache implements AutoCloseable {
    public static final String DIR_PROPERTY = "clengine.cache.dir";
    public static final String DIR_ENVIRONMENT = "CLENGINE_CACHE_DIR";
    private static final Logger log = LoggerFactory.getLogger(ProgramCache.class);

    /** One build or load, for {@code devices --verbose}. */
    public record BuildRecord(String file, String options, String source, double millis) {
    }

    private record Key(String file, String options) {
    }

    private final Device device;
    private final Path directory;
    private final ProgramStore store;
    private final Map<Key, cl_program> programs = new HashMap<>();
    private final Map<Key, ProgramKey> fromDisk = new HashMap<>();
    private final Set<Key> distrusted = new HashSet<>();
    private final List<cl_program> retired = new ArrayList<>();
    private final List<cl_kernel> retiredKernels = new ArrayList<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final List<BuildRecord> records = new ArrayList<>();

    ProgramCache(Device device, Path directory) {
        this.device = device;
        this.directory = directory;
        this.store = new ProgramStore(directory);
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

    /** Why the directory is not used (programs are then built in memory only); empty when it is used. */
    public Optional<String> refused() {
        return store.refused();
    }

    /**
     * Why {@code dir} would not be used as a program cache (it is not the user's own and private, or is a link);
     * empty when it would, or when it does not exist yet (it is then made private). Creates and logs nothing.
     */
    public static Optional<String> directoryProblem(Path dir) {
        return java.nio.file.Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? PrivateDirectory.problem(dir)
                : Optional.empty();
    }

    public List<BuildRecord> records() {
        return List.copyOf(records);
    }

    /**
     * The kernel {@code name} of (file, options). A kernel missing from a program loaded from disk means the entry
     * is not what its key says: the program is rebuilt from source once, and only a kernel missing from the source
     * is an error.
     */
    cl_kernel kernel(String file, String name, String options) {
        String kernelKey = file + "\u0000" + options + "\u0000" + name;
        cl_kernel kernel = kernels.get(kernelKey);
        if (kernel != null) return kernel;
        Key key = new Key(file, options);
        try {
            kernel = clCreateKernel(program(file, options), name, null);
        } catch (CLException e) {
            ProgramKey loaded = fromDisk.get(key);
            if (loaded == null) {
                throw ClException.of(e, "creating kernel " + name + " from kernels/" + file, device.info().label());
            }
            store.discard(loaded, "its binary has no kernel " + name + " (" + CL.stringFor_errorCode(e.getStatus())
                    + ")");
            retire(key);
            return kernel(file, name, options);
        }
        kernels.put(kernelKey, kernel);
        return kernel;
    }

    /**
     * Stops using a loaded program that is not what its key says, and every kernel made from it; they are released
     * at close, as a caller may still hold one of them.
     */
    private void retire(Key key) {
        String prefix = key.file() + "\u0000" + key.options() + "\u0000";
        kernels.entrySet().removeIf(k -> {
            if (!k.getKey().startsWith(prefix)) return false;
            retiredKernels.add(k.getValue());
            return true;
        });
        retired.add(programs.remove(key));
        fromDisk.remove(key);
        distrusted.add(key);
    }

    /** The built program for (file, options): from memory, else from the disk cache, else compiled. */
    public cl_program program(String file, String options) {
        Key key = new Key(file, options);
        cl_program program = programs.get(key);
        if (program != null) return program;
        String source = source(file);
        ProgramKey diskKey = ProgramKey.of(device.info(), file, options, source);
        long start = System.nanoTime();
        program = distrusted.contains(key) ? null : loadBinary(diskKey);
        String from = "disk cache";
        if (program != null) {
            fromDisk.put(key, diskKey);
        } else {
            program = compile(file, options, source);
            from = "compiled";
            binary(program).ifPresent(b -> store.store(diskKey, b));
        }
        records.add(new BuildRecord(file, options, from, (System.nanoTime() - start) / 1e6));
        programs.put(key, program);
        return program;
    }

    /**
     * The text of {@code /kernels/FILE} from the classpath, each line {@code #include "NAME.clh"} replaced by the text
     * of {@code /kernels/NAME.clh} between {@code #line} directives (so that build logs name the right file and line).
     * Headers are expanded here rather than through the driver's include path, which a program built from a string
     * does not have; the expanded text is what the program cache hashes. A header may not include another.
     */
    public static String source(String file) {
        String text = read(file);
        if (!text.contains("#include \"")) return text;
        StringBuilder out = new StringBuilder(text.length() + 4096);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            java.util.regex.Matcher m = INCLUDE.matcher(lines[i]);
            if (m.matches()) {
                String header = read(m.group(1));
                if (java.util.regex.Pattern.compile("(?m)^\\s*#\\s*include").matcher(header).find()) {
                    throw new ClEngineException("kernel header /kernels/" + m.group(1) + " (included by " + file
                            + ") includes another; headers are expanded one level only");
                }
                out.append("#line 1 \"").append(m.group(1)).append("\"\n").append(header);
                if (!header.endsWith("\n")) out.append('\n');
                out.append("#line ").append(i + 2).append(" \"").append(file).append("\"\n");
            } else {
                out.append(lines[i]);
                if (i < lines.length - 1) out.append('\n');
            }
        }
        return out.toString();
    }

    private static final java.util.regex.Pattern INCLUDE =
            java.util.regex.Pattern.compile("\\s*#include\\s+\"([A-Za-z0-9_]+\\.clh)\"\\s*(/\\*.*\\*/)?\\s*");

    private static String read(String file) {
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

    /** The program of the disk entry for {@code key}; null when there is none or the driver rejects it. */
    private cl_program loadBinary(ProgramKey key) {
        Optional<byte[]> binary = store.load(key);
        if (binary.isEmpty()) return null;
        cl_program program = null;
        try {
            byte[] b = binary.get();
            program = clCreateProgramWithBinary(device.context(), 1, new cl_device_id[] {device.info().id()},
                    new long[] {b.length}, new byte[][] {b}, null, null);
            build(program, key.file(), key.options());
            return program;
        } catch (CLException e) {
            if (program != null) clReleaseProgram(program);
            store.discard(key, "the driver rejected it (" + CL.stringFor_errorCode(e.getStatus()) + ")");
            return null;
        } catch (KernelBuildException e) {
            store.discard(key, "the driver could not build it (" + e.getCause() + ")");
            return null;
        }
    }

    /** The program's device binary, if the driver gives one. */
    private Optional<byte[]> binary(cl_program program) {
        try {
            long[] size = new long[1];
            clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] <= 0 || size[0] > ProgramEntry.MAX_BYTES / 2) return Optional.empty();
            byte[] binary = new byte[(int) size[0]];
            clGetProgramInfo(program, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(binary)), null);
            return Optional.of(binary);
        } catch (CLException e) {
            log.debug("no binary of a program from {}: {}", device.info().label(), e.toString());
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        kernels.values().forEach(k -> clReleaseKernel(k));
        kernels.clear();
        retiredKernels.forEach(k -> clReleaseKernel(k));
        retiredKernels.clear();
        programs.values().forEach(p -> clReleaseProgram(p));
        programs.clear();
        retired.forEach(p -> clReleaseProgram(p));
        retired.clear();
    }
}
