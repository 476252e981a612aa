package org.clengine.device;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * Finds every OpenCL device and chooses one. The choice comes from {@code -Dclengine.device} or
 * {@code CLENGINE_DEVICE}: {@code gpu}, {@code cpu}, {@code accelerator}, {@code gpu:1} (second GPU), a global index
 * {@code #2}, or a substring of the device, vendor or platform name; a suffix {@code /N} ({@code cpu/2}) asks
 * {@link DeviceGroup} for N sub-devices and is ignored where one device is opened. Without one the highest-ranked
 * device wins: GPU over accelerator over CPU, then more compute units.
 */
public final class DeviceManager {
    public static final String PROPERTY = "clengine.device";
    public static final String ENVIRONMENT = "CLENGINE_DEVICE";

    private DeviceManager() {
    }

    /** A chosen device and the reason it was chosen. */
    public record Choice(DeviceInfo device, String reason) {
    }

    /**
     * Every device of every platform; throws {@link OpenClUnavailableException} when there are none. Synchronized:
     * two threads enumerating PoCL 3.1's devices at once crashed the JVM in clGetDeviceInfo (two Spark barrier
     * tasks in one JVM, #16).
     */
    public static synchronized List<DeviceInfo> devices() {
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            clGetPlatformIDs(0, null, count);
            if (count[0] == 0) throw new OpenClUnavailableException("no OpenCL platform found", null);
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            clGetPlatformIDs(platforms.length, platforms, null);
            List<DeviceInfo> devices = new ArrayList<>();
            for (cl_platform_id platform : platforms) {
                for (cl_device_id id : platformDevices(platform)) {
                    devices.add(DeviceInfo.read(devices.size(), platform, id));
                }
            }
            if (devices.isEmpty()) throw new OpenClUnavailableException("OpenCL platforms have no devices", null);
            return List.copyOf(devices);
        } catch (CLException e) {
            if (e.getStatus() == CL_PLATFORM_NOT_FOUND_KHR) {
                throw new OpenClUnavailableException(
                        "no OpenCL platform found (CL_PLATFORM_NOT_FOUND_KHR): the ICD loader found no driver", e);
            }
            throw ClException.of(e, "enumerating OpenCL platforms", "(no device yet)");
        } catch (UnsatisfiedLinkError e) {
            throw new OpenClUnavailableException(
                    "the OpenCL ICD loader (libOpenCL.so.1) or JOCL's native library could not be loaded: "
                            + e.getMessage(), e);
        }
    }

    /** Whether any OpenCL device can be used here. */
    public static boolean available() {
        try {
            return !devices().isEmpty();
        } catch (OpenClUnavailableException e) {
            return false;
        }
    }

    /** The device named by the system property or environment variable, else the default ranking. */
    public static Choice choose() {
        String spec = System.getProperty(PROPERTY);
        String source = "-D" + PROPERTY;
        if (spec == null || spec.isBlank()) {
            spec = System.getenv(ENVIRONMENT);
            source = ENVIRONMENT;
        }
        return choose(devices(), spec, source);
    }

    /** Chooses by an explicit spec (null or blank: the default ranking). */
    public static Choice choose(String spec) {
        return choose(devices(), spec, "the given spec");
    }

    static Choice choose(List<DeviceInfo> devices, String spec, String source) {
        List<DeviceInfo> ranked = new ArrayList<>(devices);
        ranked.sort(Comparator.comparingInt(DeviceInfo::typeRank).reversed()
                .thenComparing(Comparator.comparingInt(DeviceInfo::computeUnits).reversed())
                .thenComparingInt(DeviceInfo::index));
        if (spec == null || spec.isBlank() || spec.equalsIgnoreCase("auto")) {
            return new Choice(ranked.get(0), "default ranking (GPU > accelerator > CPU, then most compute units)");
        }
        String s = spec.strip().toLowerCase(Locale.ROOT);
        String why = source + "=" + spec;
        if (s.matches(".+/[0-9]+")) {
            // a DeviceGroup's split (cpu/2): one device alone is the device that is split
            s = s.substring(0, s.lastIndexOf('/'));
            why += " (the device split, as one device)";
        }
        if (s.startsWith("#")) {
            int index = parseIndex(s.substring(1), spec);
            if (index >= devices.size()) throw noMatch(spec, devices);
            return new Choice(devices.get(index), why + " (global index)");
        }
        String[] parts = s.split(":", 2);
        if (List.of("gpu", "cpu", "accelerator").contains(parts[0])) {
            int index = parts.length == 2 ? parseIndex(parts[1], spec) : 0;
            List<DeviceInfo> ofType = ranked.stream().filter(d -> d.typeName().equals(parts[0])).toList();
            if (index >= ofType.size()) throw noMatch(spec, devices);
            return new Choice(ofType.get(index), why + " (device " + index + " of type " + parts[0] + ")");
        }
        for (DeviceInfo d : ranked) {
            String haystack = (d.name() + " " + d.vendor() + " " + d.platformName()).toLowerCase(Locale.ROOT);
            if (haystack.contains(s)) return new Choice(d, why + " (name match)");
        }
        throw noMatch(spec, devices);
    }

    private static int parseIndex(String text, String spec) {
        try {
            int index = Integer.parseInt(text);
            if (index < 0) throw new NumberFormatException();
            return index;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device spec '" + spec + "': '" + text + "' is not a device index");
        }
    }

    private static IllegalArgumentException noMatch(String spec, List<DeviceInfo> devices) {
        StringBuilder sb = new StringBuilder("no OpenCL device matches '" + spec + "'; devices found:");
        for (DeviceInfo d : devices) sb.append("\n  #").append(d.index()).append(' ').append(d.label());
        return new IllegalArgumentException(sb.toString());
    }

    private static cl_device_id[] platformDevices(cl_platform_id platform) {
        int[] count = new int[1];
        try {
            clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (CLException e) {
            if (e.getStatus() == CL_DEVICE_NOT_FOUND) return new cl_device_id[0];
            throw e;
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        return ids;
    }
}
