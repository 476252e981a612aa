package org.clengine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.clengine.backend.OpFamily;
import org.clengine.device.Ceilings;
import org.clengine.device.KernelBinding;
import org.junit.jupiter.api.Test;

/**
 * Every {@code __kernel} signature in kernels/*.cl against the Java bindings registered for it (each op family's
 * {@code description().kernels()} and the compute ceiling's {@link Ceilings#PEAK_FMA}): one binding per kernel, one
 * kernel per binding, in the same file, with the same parameters (count, names, types) in the same order. A launch
 * is checked against its binding, so a binding that matches the source is a launch that matches the kernel.
 */
class KernelSignatureTest {
    static final Path KERNELS = Path.of("kernels");
    private static final Pattern KERNEL = Pattern.compile("__kernel\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");
    /** An object-like macro, e.g. conv2d.cl's CONV_DIMS: a shared run of parameters. */
    private static final Pattern DEFINE = Pattern.compile("(?m)^\\s*#\\s*define\\s+(\\w+)(?!\\()[ \\t]+(.*)$");
    private static final Pattern POINTER = Pattern.compile(
            "(?:const\\s+)?__global\\s+(?:const\\s+)?\\w+\\s*\\*\\s*(?:const\\s+)?(?:restrict\\s+)?(\\w+)");
    private static final Pattern SCALAR = Pattern.compile("(?:const\\s+)?(int|long|float)\\s+(\\w+)");

    /** A kernel as its source declares it. */
    record Declared(String file, String name, List<KernelBinding.Param> params) {
    }

    @Test
    void everyKernelSignatureMatchesItsBinding() throws IOException {
        Map<String, Declared> declared = declaredKernels(KERNELS);
        Map<String, KernelBinding> bound = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (KernelBinding b : bindings()) {
            KernelBinding twin = bound.put(b.name(), b);
            if (twin != null) problems.add(b.name() + ": bound twice (" + twin.file() + ", " + b.file() + ")");
        }
        for (Declared d : declared.values()) {
            KernelBinding b = bound.get(d.name());
            String difference = b == null ? "no binding registered (OpFamily.ALL, Ceilings.PEAK_FMA)"
                    : firstDifference(d, b);
            if (difference != null) problems.add(d.name() + " (" + d.file() + "): " + difference);
        }
        bound.keySet().stream().filter(n -> !declared.containsKey(n)).sorted().forEach(n -> problems.add(n
                + ": bound to " + bound.get(n).file() + ", which declares no such kernel"));
        assertTrue(problems.isEmpty(), "kernel signatures and bindings differ:\n  " + String.join("\n  ",
                problems));
    }

    /** The parser itself, on the forms kernels/ uses: pointers of any type, scalars, a macro of parameters. */
    @Test
    void parsesPointersScalarsAndParameterMacros() {
        String source = "/* __kernel void commented_out(int a) */\n"
                + "#define DIMS int N, \\\n    long count\n"
                + "// __kernel void also_commented(float b)\n"
                + "__kernel void k(__global float4 *dst, __global const float *restrict src, DIMS, float eps) {}\n";
        Map<String, Declared> parsed = new LinkedHashMap<>();
        parse("t.cl", source, parsed);
        assertEquals(List.of("k"), List.copyOf(parsed.keySet()));
        assertEquals(List.of(KernelBinding.buffer("dst"), KernelBinding.buffer("src"), KernelBinding.i32("N"),
                KernelBinding.i64("count"), KernelBinding.f32("eps")), parsed.get("k").params());
    }

    /** The first way {@code b} differs from the source's declaration, or null when it does not. */
    static String firstDifference(Declared d, KernelBinding b) {
        if (!b.file().equals(d.file())) return "bound to file " + b.file() + ", declared in " + d.file();
        int n = Math.min(d.params().size(), b.params().size());
        for (int i = 0; i < n; i++) {
            KernelBinding.Param source = d.params().get(i);
            KernelBinding.Param java = b.params().get(i);
            if (!source.equals(java)) {
                return "parameter " + i + " is " + describe(source) + " in the source, " + describe(java)
                        + " in the binding";
            }
        }
        if (d.params().size() != b.params().size()) {
            return d.params().size() + " parameters in the source, " + b.params().size() + " in the binding";
        }
        return null;
    }

    private static String describe(KernelBinding.Param p) {
        return p.type() + " " + p.name();
    }

    /** Every binding the engine registers: the op families' and the compute ceiling's. */
    static List<KernelBinding> bindings() {
        List<KernelBinding> all = new ArrayList<>();
        for (OpFamily<?> f : OpFamily.ALL) all.addAll(f.description().kernels());
        all.add(Ceilings.PEAK_FMA);
        return all;
    }

    /** Every __kernel of every .cl file in {@code dir}, by name; a name declared twice fails. */
    static Map<String, Declared> declaredKernels(Path dir) throws IOException {
        Map<String, Declared> kernels = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".cl")).sorted().toList()) {
                parse(p.getFileName().toString(), Files.readString(p), kernels);
            }
        }
        return kernels;
    }

    private static void parse(String file, String source, Map<String, Declared> into) {
        String text = stripComments(source).replaceAll("\\\\\\r?\\n", " ");
        Map<String, String> macros = new HashMap<>();
        Matcher define = DEFINE.matcher(text);
        while (define.find()) macros.put(define.group(1), define.group(2).strip());
        Matcher m = KERNEL.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            List<KernelBinding.Param> params = new ArrayList<>();
            String list = m.group(2).strip();
            if (!list.isEmpty() && !list.equals("void")) params(file, name, list, macros, params, 0);
            Declared twin = into.put(name, new Declared(file, name, List.copyOf(params)));
            if (twin != null) throw new AssertionError(name + " is declared in " + twin.file() + " and " + file);
        }
    }

    /** The parameters of a comma-separated list; a parameter that is a macro's name stands for the macro's list. */
    private static void params(String file, String kernel, String list, Map<String, String> macros,
            List<KernelBinding.Param> into, int depth) {
        for (String piece : list.split(",")) {
            String p = piece.strip().replaceAll("\\s+", " ");
            String body = macros.get(p);
            if (body != null && depth < 8) {
                params(file, kernel, body, macros, into, depth + 1);
            } else {
                into.add(param(file, kernel, p));
            }
        }
    }

    private static KernelBinding.Param param(String file, String kernel, String text) {
        Matcher pointer = POINTER.matcher(text);
        if (pointer.matches()) return KernelBinding.buffer(pointer.group(1));
        Matcher scalar = SCALAR.matcher(text);
        if (scalar.matches()) {
            return new KernelBinding.Param(scalar.group(2), switch (scalar.group(1)) {
                case "int" -> KernelBinding.Type.INT;
                case "long" -> KernelBinding.Type.LONG;
                default -> KernelBinding.Type.FLOAT;
            });
        }
        throw new AssertionError(kernel + " (" + file + "): parameter '" + text + "' is none of __global T *, int, "
                + "long, float: give it a KernelBinding type first");
    }

    /** The source without comments, line breaks kept (a #define must stay on its line). */
    static String stripComments(String source) {
        StringBuilder out = new StringBuilder(source.length());
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (c == '/' && i + 1 < source.length() && source.charAt(i + 1) == '*') {
                int end = source.indexOf("*/", i + 2);
                if (end < 0) end = source.length() - 2;
                for (int j = i; j < end + 2; j++) if (source.charAt(j) == '\n') out.append('\n');
                out.append(' ');
                i = end + 1;
            } else if (c == '/' && i + 1 < source.length() && source.charAt(i + 1) == '/') {
                while (i < source.length() && source.charAt(i) != '\n') i++;
                if (i < source.length()) out.append('\n');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
