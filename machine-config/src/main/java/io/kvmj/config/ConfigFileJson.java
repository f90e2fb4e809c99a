package io.kvmj.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The config file exactly as Jackson reads it (Firecracker key names). Values are raw and unchecked;
 * {@link ConfigFileMapper} turns them into a {@link VmConfig}. Required keys are marked {@code required}
 * (missing) and {@code Nulls.FAIL} or a primitive type (null); optional keys use boxed types, null = absent.
 * Firecracker sections kvmj does not implement are handled before binding, by {@link UnsupportedSections}.
 * {@code cpu-config} is left a node because it is a template object or the path of a template file.
 */
final class ConfigFileJson {
    private ConfigFileJson() {}

    record Root(
            @JsonProperty(value = Keys.BOOT_SOURCE, required = true) @JsonSetter(nulls = Nulls.FAIL)
                    BootSourceJson bootSource,
            @JsonProperty(value = Keys.MACHINE_CONFIG, required = true) @JsonSetter(nulls = Nulls.FAIL)
                    MachineJson machine,
            @JsonProperty(Keys.DEBUG_EXIT) DebugExitJson debugExit,
            @JsonProperty(Keys.SERIAL) SerialJson serial,
            @JsonProperty(Keys.DRIVES) @JsonSetter(contentNulls = Nulls.FAIL) List<DriveJson> drives,
            @JsonProperty(Keys.ENTROPY) EntropyJson entropy,
            @JsonProperty(Keys.ACPI) AcpiJson acpi,
            @JsonProperty(Keys.CPU_CONFIG) JsonNode cpuConfig) {}

    /**
     * Firecracker's custom CPU template: the top-level {@code cpu-config} object, or the whole of a template file
     * whose path {@code cpu-config} gives. The aarch64 (and x86 {@code kvm_capabilities}) lists are nodes so that
     * only empty ones can be accepted; lists that are null count as absent.
     */
    record CpuConfigJson(
            @JsonProperty(Keys.KVM_CAPABILITIES) JsonNode kvmCapabilities,
            @JsonProperty(Keys.CPUID_MODIFIERS) @JsonSetter(contentNulls = Nulls.FAIL)
                    List<CpuidModifierJson> cpuidModifiers,
            @JsonProperty(Keys.MSR_MODIFIERS) @JsonSetter(contentNulls = Nulls.FAIL)
                    List<MsrModifierJson> msrModifiers,
            @JsonProperty(Keys.VCPU_FEATURES) JsonNode vcpuFeatures,
            @JsonProperty(Keys.REG_MODIFIERS) JsonNode regModifiers) {}

    /** {@code leaf} and {@code subleaf} are nodes: "0x1" (Firecracker), "1" or 1. {@code flags} defaults to 0. */
    record CpuidModifierJson(
            @JsonProperty(value = Keys.LEAF, required = true) JsonNode leaf,
            @JsonProperty(value = Keys.SUBLEAF, required = true) JsonNode subleaf,
            @JsonProperty(Keys.FLAGS) Integer flags,
            @JsonProperty(value = Keys.MODIFIERS, required = true) @JsonSetter(nulls = Nulls.FAIL,
                    contentNulls = Nulls.FAIL) List<RegisterModifierJson> modifiers) {}

    record RegisterModifierJson(
            @JsonProperty(value = Keys.REGISTER, required = true) @JsonSetter(nulls = Nulls.FAIL) String register,
            @JsonProperty(value = Keys.BITMAP, required = true) @JsonSetter(nulls = Nulls.FAIL) String bitmap) {}

    /** {@code addr} is a node: "0x10a" (Firecracker), "266" or 266. */
    record MsrModifierJson(
            @JsonProperty(value = Keys.ADDR, required = true) JsonNode addr,
            @JsonProperty(value = Keys.BITMAP, required = true) @JsonSetter(nulls = Nulls.FAIL) String bitmap) {}

    /** kvmj's own: {@code "acpi": {"enabled": false}} for guests that do not read ACPI tables. */
    record AcpiJson(@JsonProperty(Keys.ENABLED) Boolean enabled) {}

    record BootSourceJson(
            @JsonProperty(value = Keys.KERNEL_IMAGE_PATH, required = true) @JsonSetter(nulls = Nulls.FAIL)
                    String kernelImagePath,
            @JsonProperty(Keys.BOOT_ARGS) String bootArgs,
            @JsonProperty(Keys.INITRD_PATH) String initrdPath) {}

    record MachineJson(
            @JsonProperty(value = Keys.VCPU_COUNT, required = true) int vcpuCount,
            @JsonProperty(value = Keys.MEM_SIZE_MIB, required = true) long memSizeMib,
            @JsonProperty(Keys.SMT) Boolean smt,
            @JsonProperty(Keys.TRACK_DIRTY_PAGES) Boolean trackDirtyPages,
            @JsonProperty(Keys.CPU_TEMPLATE) String cpuTemplate) {}

    /**
     * Firecracker's drive; {@code is_root_device} is required there, optional here. {@code serial} and
     * {@code direct_io} are kvmj's own. {@code rate_limiter} is a node so any value can be refused by name.
     */
    record DriveJson(
            @JsonProperty(value = Keys.DRIVE_ID, required = true) @JsonSetter(nulls = Nulls.FAIL) String driveId,
            @JsonProperty(value = Keys.PATH_ON_HOST, required = true) @JsonSetter(nulls = Nulls.FAIL)
                    String pathOnHost,
            @JsonProperty(Keys.IS_ROOT_DEVICE) Boolean isRootDevice,
            @JsonProperty(Keys.IS_READ_ONLY) Boolean isReadOnly,
            @JsonProperty(Keys.PARTUUID) String partuuid,
            @JsonProperty(Keys.CACHE_TYPE) String cacheType,
            @JsonProperty(Keys.IO_ENGINE) String ioEngine,
            @JsonProperty(Keys.RATE_LIMITER) JsonNode rateLimiter,
            @JsonProperty(Keys.DRIVE_SERIAL) String serial,
            @JsonProperty(Keys.DIRECT_IO) Boolean directIo) {}

    /** Firecracker's entropy device; only an absent or null {@code rate_limiter} is supported. */
    record EntropyJson(@JsonProperty(Keys.RATE_LIMITER) JsonNode rateLimiter) {}

    /** {@code iobase} is a node because it may be a number (244) or a string ("0xf4"). */
    record DebugExitJson(@JsonProperty(Keys.IOBASE) JsonNode iobase) {}

    record SerialJson(@JsonProperty(Keys.OUTPUT) String output, @JsonProperty(Keys.INPUT) String input) {}
}
