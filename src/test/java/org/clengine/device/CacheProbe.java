package org.clengine.device;

import java.util.stream.Collectors;

/**
 * Child-JVM probe for ProgramCacheTest: with the cache in args[0], builds batchnorm.cl with the options in args[1]
 * (default {@code -DAFFINE=1 -DFUSE=1}), creates its kernel batchnorm_bwd_partial and prints where the program came
 * from: {@code source=compiled}, {@code source=disk cache}, or both in order when a loaded binary was rebuilt.
 */
public final class CacheProbe {
    static final String OPTIONS = "-DAFFINE=1 -DFUSE=1";

    public static void main(String[] args) {
        String options = args.length > 1 ? args[1] : OPTIONS;
        try (Device d = Device.open(DeviceManager.choose().device(), java.nio.file.Path.of(args[0]))) {
            d.kernel("batchnorm.cl", "batchnorm_bwd_partial", options);
            System.out.println("source=" + d.programs().records().stream().map(ProgramCache.BuildRecord::source)
                    .collect(Collectors.joining(",")));
        }
    }
}
