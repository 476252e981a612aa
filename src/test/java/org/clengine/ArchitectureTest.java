package org.clengine;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import java.io.IOException;
import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.clengine.backend.Backend;
import org.junit.jupiter.api.Test;

/**
 * The engine's layering, checked on its compiled classes (tests excluded): core ← device ← verify ← ops ← backend ←
 * nn ← train, onnx, data ← distributed (← the CLI, a project of its own). Each op's API package stays free of its OpenCL
 * implementation, and the library of the command line's dependencies. The module descriptor exports every package
 * but the OpenCL implementations.
 */
@AnalyzeClasses(packages = "org.clengine", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
    /** The op families' API packages; each has an {@code opencl} subpackage with its implementation. */
    static final String[] OPS = {"batchnorm", "conv2d", "matmul", "pooling", "elementwise", "loss", "sgd"};

    /** The op families an op family may use: convolution is built on GEMM and batch norm (the fused forward). */
    static final Map<String, List<String>> OPS_USED = Map.of("conv2d", List.of("matmul", "batchnorm"));

    /** What the ops sit below: the backends, the layers and everything built on them, and the command line. */
    static final String[] ABOVE_OPS = {"backend", "nn", "train", "onnx", "data", "distributed", "cli"};

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles = slices().matching("org.clengine.(*)..").namingSlices("$1")
            .should().beFreeOfCycles();

    @ArchTest
    static final ArchRule coreDependsOnNoOtherPackage = dependsOnlyOnItselfAnd("core");

    @ArchTest
    static final ArchRule deviceDependsOnlyOnCore = dependsOnlyOnItselfAnd("device", "core");

    @ArchTest
    static final ArchRule verifyDependsOnlyOnCoreAndDevice = dependsOnlyOnItselfAnd("verify", "core", "device");

    @ArchTest
    static final ArchRule opsDependOnNothingAboveThem = noClasses().that().resideInAnyPackage(subtrees(OPS))
            .should().dependOnClassesThat().resideInAnyPackage(subtrees(ABOVE_OPS))
            .because("an op package may use core, device, verify and the ops of OPS_USED, never what is built on "
                    + "the ops");

    @ArchTest
    static final ArchRule opsUseOtherOpsOnlyAsDecided = CompositeArchRule.of(Arrays.stream(OPS)
            .map(ArchitectureTest::usesOnlyItsDecidedOps).toList());

    @ArchTest
    static final ArchRule backendDependsOnNothingBuiltOnIt = noClasses().that().resideInAPackage(
            "org.clengine.backend..").should().dependOnClassesThat().resideInAnyPackage(subtrees("nn", "train",
            "onnx", "data", "distributed", "cli"));

    @ArchTest
    static final ArchRule nnDependsOnNothingBuiltOnIt = noClasses().that().resideInAPackage("org.clengine.nn..")
            .should().dependOnClassesThat().resideInAnyPackage(subtrees("train", "onnx", "data", "distributed",
            "cli"));

    @ArchTest
    static final ArchRule trainingLayersDoNotReachDistributed = noClasses().that().resideInAnyPackage(
            subtrees("train", "onnx", "data")).should().dependOnClassesThat().resideInAPackage(
            "org.clengine.distributed..").because("data-parallel training (distributed) sits above nn and train, "
            + "below the command line");

    @ArchTest
    static final ArchRule opApiPackagesDoNotReachTheirOpenClImplementation = noClasses()
            .that().resideInAnyPackage(Arrays.stream(OPS).map(op -> "org.clengine." + op).toArray(String[]::new))
            .should().dependOnClassesThat().resideInAPackage("org.clengine.*.opencl..")
            .because("the opencl subpackages are internal: an op's API (shape, contract, reference, policy, "
                    + "verification) must compile without them");

    @ArchTest
    static final ArchRule libraryHasNoCommandLineDependencies = noClasses().that().resideInAPackage("org.clengine..")
            .should().dependOnClassesThat().resideInAnyPackage("picocli..", "org.knowm.xchart..",
                    "me.tongfei.progressbar..", "ch.qos.logback..")
            .because("argument parsing, progress bars, plots and the logging backend belong to the command line "
                    + "(cli/); the library logs through slf4j-api only");

    @Test
    void theModuleExportsEveryPackageButTheOpenClImplementations() throws IOException, URISyntaxException {
        Path classes = Path.of(Backend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor module;
        try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
            module = ModuleDescriptor.read(in);
        }
        Set<String> packages;
        try (Stream<Path> files = Files.walk(classes)) {
            packages = files.filter(f -> f.toString().endsWith(".class") && !f.endsWith("module-info.class"))
                    .map(f -> classes.relativize(f.getParent()).toString().replace(f.getFileSystem()
                            .getSeparator(), ".")).collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> api = packages.stream().filter(p -> !p.endsWith(".opencl"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> exported = module.exports().stream().filter(e -> !e.isQualified())
                .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
        assertEquals("org.clengine", module.name());
        assertEquals(api, exported, "module-info.java must export every API package and no opencl package");
    }

    /** No class of org.clengine.OP.. uses another op family but those OPS_USED allows it. */
    private static ArchRule usesOnlyItsDecidedOps(String op) {
        List<String> allowed = OPS_USED.getOrDefault(op, List.of());
        String[] others = subtrees(Arrays.stream(OPS).filter(o -> !o.equals(op) && !allowed.contains(o))
                .toArray(String[]::new));
        return noClasses().that().resideInAPackage("org.clengine." + op + "..").should().dependOnClassesThat()
                .resideInAnyPackage(others).as("org.clengine." + op + " uses no other op family"
                        + (allowed.isEmpty() ? "" : " but " + String.join(", ", allowed)));
    }

    /** Classes of org.clengine.PKG.. use no org.clengine class outside PKG and the packages {@code allowed}. */
    private static ArchRule dependsOnlyOnItselfAnd(String pkg, String... allowed) {
        String[] own = subtrees(concat(pkg, allowed));
        return noClasses().that().resideInAPackage("org.clengine." + pkg + "..").should().dependOnClassesThat(
                resideInAPackage("org.clengine..").and(not(resideInAnyPackage(own))))
                .as("org.clengine." + pkg + " depends on no org.clengine package but "
                        + String.join(", ", concat(pkg, allowed)));
    }

    private static String[] subtrees(String... packages) {
        return Arrays.stream(packages).map(p -> "org.clengine." + p + "..").toArray(String[]::new);
    }

    private static String[] concat(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
