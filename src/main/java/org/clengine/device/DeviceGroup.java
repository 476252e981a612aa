package org.clengine.device;

import static org.jocl.CL.*;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.jocl.CLException;
import org.jocl.cl_device_id;
import org.jocl.cl_device_partition_property;

/**
 * Several OpenCL devices opened together, one per rank of data-parallel training: either root devices (PoCL with
 * {@code POCL_DEVICES="pthread pthread"} has two CPU devices) or sub-devices of one device split equally
 * ({@code clCreateSubDevices} with {@code CL_DEVICE_PARTITION_EQUALLY}). The spec is a device spec as
 * {@link DeviceManager} reads it, with {@code /N} for N sub-devices of that device ({@code cpu/2}); without the
 * suffix, N devices of the spec's kind when there are that many, else N sub-devices of the chosen one. Closing the
 * group closes its devices, then releases the sub-devices it created.
 */
public final class DeviceGroup implements AutoCloseable {
    private final List<Device> devices;
    private final List<cl_device_id> created;
    private final String description;

    private DeviceGroup(List<Device> devices, List<cl_device_id> created, String description) {
        this.devices = List.copyOf(devices);
        this.created = created;
        this.description = description;
    }

    /** {@code count} devices from {@code -Dclengine.device} / {@code CLENGINE_DEVICE} (as {@link #open(String, int)}). */
    public static DeviceGroup open(int count) {
        String spec = System.getProperty(DeviceManager.PROPERTY);
        if (spec == null || spec.isBlank()) spec = System.getenv(DeviceManager.ENVIRONMENT);
        return open(spec, count);
    }

    /** {@code count} devices for {@code spec} (null: the default ranking); {@code spec}'s {@code /N} must be count. */
    public static DeviceGroup open(String spec, int count) {
        if (count < 1) throw new IllegalArgumentException("a device group needs at least 1 device, got " + count);
        List<DeviceInfo> all = DeviceManager.devices();
        String base = spec == null ? null : spec.strip();
        int split = 0;
        int slash = base == null ? -1 : base.lastIndexOf('/');
        if (slash >= 0) {
            split = parseSplit(base.substring(slash + 1), spec);
            base = base.substring(0, slash);
            if (split != count) {
                throw new IllegalArgumentException("device spec '" + spec + "' gives " + split + " sub-devices, but "
                        + count + " devices were asked for");
            }
        }
        DeviceInfo chosen = DeviceManager.choose(all, base, "the device spec").device();
        if (split == 0 && count > 1) {
            List<DeviceInfo> peers = all.stream().filter(d -> d.typeName().equals(chosen.typeName())).toList();
            if (peers.size() >= count) return openAll(peers.subList(0, count), List.of(), count + " "
                    + chosen.typeName() + " devices");
        }
        if (count == 1) return openAll(List.of(chosen), List.of(), "1 device");
        List<cl_device_id> subs = SubDevices.split(chosen, count);
        List<DeviceInfo> infos = new ArrayList<>();
        try {
            for (int i = 0; i < subs.size(); i++) infos.add(DeviceInfo.read(chosen.index(), chosen.platform(),
                    subs.get(i)));
        } catch (RuntimeException e) {
            SubDevices.release(subs);
            throw e;
        }
        return openAll(infos, subs, count + " sub-devices of #" + chosen.index() + " " + chosen.name() + " ("
                + infos.get(0).computeUnits() + " compute unit(s) each)");
    }

    private static DeviceGroup openAll(List<DeviceInfo> infos, List<cl_device_id> created, String description) {
        List<Device> opened = new ArrayList<>();
        try {
            for (DeviceInfo info : infos) opened.add(Device.open(info));
        } catch (RuntimeException e) {
            Collections.reverse(opened);
            opened.forEach(Device::close);
            SubDevices.release(created);
            throw e;
        }
        return new DeviceGroup(opened, created, description);
    }

    private static int parseSplit(String text, String spec) {
        try {
            int n = Integer.parseInt(text);
            if (n >= 1) return n;
        } catch (NumberFormatException e) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("device spec '" + spec + "': '/" + text + "' must be a count of at "
                + "least 1 (e.g. cpu/2)");
    }

    /** The devices, in rank order. */
    public List<Device> devices() {
        return devices;
    }

    /** What was opened, e.g. "2 sub-devices of #0 pthread-… (1 compute unit(s) each)". */
    public String description() {
        return description;
    }

    /** Closes the devices (newest first), then releases the sub-devices. Never throws. */
    @Override
    public void close() {
        List<Device> reversed = new ArrayList<>(devices);
        Collections.reverse(reversed);
        reversed.forEach(Device::close);
        SubDevices.release(created);
    }

    /** clCreateSubDevices and clReleaseDevice. */
    static final class SubDevices {
        private SubDevices() {
        }

        /** {@code count} equal sub-devices of {@code parent}; its compute units must divide evenly. */
        static List<cl_device_id> split(DeviceInfo parent, int count) {
            int units = parent.computeUnits();
            if (units % count != 0 || units < count) {
                throw new IllegalArgumentException(parent.name() + " has " + units + " compute units, which do not "
                        + "split equally into " + count + " sub-devices");
            }
            cl_device_partition_property props = new cl_device_partition_property();
            props.addProperty(CL_DEVICE_PARTITION_EQUALLY, units / count);
            int[] made = new int[1];
            try {
                clCreateSubDevices(parent.id(), props, 0, null, made);
                if (made[0] != count) {
                    throw new IllegalArgumentException(parent.name() + " splits into " + made[0] + " sub-devices of "
                            + units / count + " compute unit(s), not " + count);
                }
                cl_device_id[] ids = new cl_device_id[count];
                clCreateSubDevices(parent.id(), props, count, ids, null);
                return List.of(ids);
            } catch (CLException e) {
                throw ClException.of(e, "creating " + count + " sub-devices (CL_DEVICE_PARTITION_EQUALLY, "
                        + units / count + " compute unit(s) each)", parent.label());
            }
        }

        static void release(List<cl_device_id> ids) {
            for (cl_device_id id : ids) {
                try {
                    clReleaseDevice(id);
                } catch (CLException e) {
                    // close never throws: a device the driver will not release is left to process exit
                }
            }
        }
    }
}
