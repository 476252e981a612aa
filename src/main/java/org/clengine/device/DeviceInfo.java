package org.clengine.device;

import static org.jocl.CL.*;

import java.util.Locale;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** What OpenCL reports about one device, read once at enumeration. */
public record DeviceInfo(
        int index,
        cl_platform_id platform,
        cl_device_id id,
        String platformName,
        String platformVersion,
        String name,
        String vendor,
        String driverVersion,
        String openClCVersion,
        long type,
        int computeUnits,
        int clockMhz,
        long globalMemBytes,
        long localMemBytes,
        long maxAllocBytes,
        long maxWorkGroupSize,
        boolean fp64) {

    static DeviceInfo read(int index, cl_platform_id platform, cl_device_id id) {
        return new DeviceInfo(index, platform, id,
                platformString(platform, CL_PLATFORM_NAME), platformString(platform, CL_PLATFORM_VERSION),
                string(id, CL_DEVICE_NAME), string(id, CL_DEVICE_VENDOR), string(id, CL_DRIVER_VERSION),
                string(id, CL_DEVICE_OPENCL_C_VERSION), longValue(id, CL_DEVICE_TYPE),
                intValue(id, CL_DEVICE_MAX_COMPUTE_UNITS), intValue(id, CL_DEVICE_MAX_CLOCK_FREQUENCY),
                longValue(id, CL_DEVICE_GLOBAL_MEM_SIZE), longValue(id, CL_DEVICE_LOCAL_MEM_SIZE),
                longValue(id, CL_DEVICE_MAX_MEM_ALLOC_SIZE), sizeValue(id, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                string(id, CL_DEVICE_EXTENSIONS).contains("cl_khr_fp64"));
    }

    /** gpu, accelerator, cpu or other. */
    public String typeName() {
        if ((type & CL_DEVICE_TYPE_GPU) != 0) return "gpu";
        if ((type & CL_DEVICE_TYPE_ACCELERATOR) != 0) return "accelerator";
        if ((type & CL_DEVICE_TYPE_CPU) != 0) return "cpu";
        return "other";
    }

    /** Default ranking: GPU above accelerator above CPU. */
    int typeRank() {
        return switch (typeName()) {
            case "gpu" -> 3;
            case "accelerator" -> 2;
            case "cpu" -> 1;
            default -> 0;
        };
    }

    /** "name (vendor, driver X)": how the engine names a device in messages. */
    public String label() {
        return name + " [" + typeName() + ", " + platformName + ", driver " + driverVersion + "]";
    }

    public String describe() {
        return String.format(Locale.ROOT,
                "#%d %s%n    vendor %s, platform %s (%s)%n    driver %s, %s%n"
                        + "    %d compute units @ %d MHz, global %s, local %s, max alloc %s, max work-group %d, fp64 %s",
                index, name, vendor, platformName, platformVersion, driverVersion, openClCVersion,
                computeUnits, clockMhz, mib(globalMemBytes), kib(localMemBytes), mib(maxAllocBytes),
                maxWorkGroupSize, fp64 ? "yes" : "no");
    }

    private static String mib(long bytes) {
        return (bytes >> 20) + " MiB";
    }

    private static String kib(long bytes) {
        return (bytes >> 10) + " KiB";
    }

    private static String string(cl_device_id id, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(id, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        clGetDeviceInfo(id, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static String platformString(cl_platform_id id, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(id, param, 0, null, size);
        byte[] buffer = new byte[(int) size[0]];
        clGetPlatformInfo(id, param, buffer.length, Pointer.to(buffer), null);
        return cString(buffer);
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, java.nio.charset.StandardCharsets.UTF_8).strip();
    }

    private static int intValue(cl_device_id id, int param) {
        int[] value = new int[1];
        clGetDeviceInfo(id, param, Sizeof.cl_uint, Pointer.to(value), null);
        return value[0];
    }

    private static long longValue(cl_device_id id, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(id, param, Sizeof.cl_ulong, Pointer.to(value), null);
        return value[0];
    }

    private static long sizeValue(cl_device_id id, int param) {
        long[] value = new long[1];
        clGetDeviceInfo(id, param, Sizeof.size_t, Pointer.to(value), null);
        return value[0];
    }
}
