package org.clengine.device;

/** Child-JVM probe for ProgramCacheTest: builds one program with the cache in args[0], prints where it came from. */
public final class CacheProbe {
    public static void main(String[] args) {
        try (Device d = Device.open(DeviceManager.choose().device(), java.nio.file.Path.of(args[0]))) {
            d.programs().program("batchnorm.cl", "-DAFFINE=1 -DFUSE=1");
            System.out.println("source=" + d.programs().records().get(0).source());
        }
    }
}
