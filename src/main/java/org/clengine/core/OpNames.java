package org.clengine.core;

import java.util.Optional;

/**
 * The name of the op whose checks are running, for messages: "elementwise reluForward", "batchnorm backward". The
 * checks are shared helpers ({@link TensorChecks}) called from the public final methods of each op family's
 * {@code XxxOps} contract, which both backends inherit; the op is therefore the nearest such method on the calling
 * thread's stack, the same on every backend. Walked only when a message is built, never on a good call.
 */
final class OpNames {
    private OpNames() {
    }

    /** "stem method" of the nearest {@code org.clengine.*.XxxOps} method on the stack, else "this op". */
    static String current() {
        Optional<String> op = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).walk(frames -> frames
                .filter(f -> isContract(f.getClassName()) && isPublic(f))
                .map(f -> stem(f.getClassName()) + " " + f.getMethodName())
                .findFirst());
        return op.orElse("this op");
    }

    /** The op is the public method users called, not a private step of it (LossOps.run) nor a lambda. */
    private static boolean isPublic(StackWalker.StackFrame f) {
        try {
            return java.lang.reflect.Modifier.isPublic(f.getDeclaringClass()
                    .getDeclaredMethod(f.getMethodName(), f.getMethodType().parameterArray()).getModifiers());
        } catch (NoSuchMethodException e) {
            return false; // constructors and synthetic frames
        }
    }

    private static boolean isContract(String className) {
        return className.startsWith("org.clengine.") && className.endsWith("Ops") && !className.contains("$");
    }

    /** org.clengine.batchnorm.BatchNormOps → "batchnorm". */
    private static String stem(String className) {
        String simple = className.substring(className.lastIndexOf('.') + 1);
        return simple.substring(0, simple.length() - "Ops".length()).toLowerCase(java.util.Locale.ROOT);
    }
}
