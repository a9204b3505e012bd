package org.xunwen.ci.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configurator;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.MockNode;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one real OpenSearch node in this JVM and keeps it running until the JVM is
 * told to stop (SIGTERM closes the node cleanly; SIGKILL just ends it).
 *
 * <p>The node is a {@link MockNode} only so that its plugins can come from the classpath:
 * it is given no mock plugin, so every service is the production one. It loads the
 * Netty4 transport and HTTP ({@link Netty4Plugin}) and the common analysis module
 * ({@link CommonAnalysisPlugin}), binds to 127.0.0.1 only, and skips the distribution's
 * bootstrap (security manager, native checks), which a test node on loopback does not need.
 *
 * <pre>
 * java -cp 'opensearch-test-node.jar:lib/*' org.xunwen.ci.opensearch.TestNode \
 *   --name node-1 --home DIR/node-1 --http-port 9200 --transport-port 9300 \
 *   --cluster-name xunwen-test --seed-hosts 127.0.0.1:9300,127.0.0.1:9301 \
 *   --initial-cluster-manager-nodes node-1,node-2 [-Esetting=value ...]
 * </pre>
 */
public final class TestNode {

    private static final List<String> REQUIRED = Arrays.asList(
        "name", "home", "http-port", "transport-port", "cluster-name", "seed-hosts", "initial-cluster-manager-nodes"
    );

    private TestNode() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // Whatever fails before or while starting ends the JVM, so cluster.sh sees it exit.
            System.err.println("TestNode: node failed");
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        Settings.Builder extra = Settings.builder();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("-E") && a.contains("=")) {
                int eq = a.indexOf('=');
                extra.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (a.startsWith("--") && i + 1 < args.length) {
                opts.put(a.substring(2), args[++i]);
            } else {
                usage("unexpected argument: " + a);
            }
        }
        for (String r : REQUIRED) {
            if (!opts.containsKey(r)) {
                usage("missing --" + r);
            }
        }
        for (String k : opts.keySet()) {
            if (!REQUIRED.contains(k)) {
                usage("unknown option --" + k);
            }
        }

        Path home = Paths.get(opts.get("home")).toAbsolutePath();
        Path config = home.resolve("config");
        Files.createDirectories(config);
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        // LogConfigurator reads log4j2.properties from the config directory; ours logs to stdout,
        // which cluster.sh sends to the node's log file.
        try (InputStream in = TestNode.class.getResourceAsStream("/test-node-log4j2.properties")) {
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }

        Settings settings = Settings.builder()
            .put("cluster.name", opts.get("cluster-name"))
            .put("node.name", opts.get("name"))
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            // Loopback only: also keeps OpenSearch in development mode (bootstrap checks not enforced).
            .put("network.host", "127.0.0.1")
            .put("http.port", opts.get("http-port"))
            .put("transport.port", opts.get("transport-port"))
            // The real netty4 transports, not the test framework's mock or NIO ones.
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .putList("discovery.seed_hosts", opts.get("seed-hosts").split(","))
            .putList("cluster.initial_cluster_manager_nodes", opts.get("initial-cluster-manager-nodes").split(","))
            // A busy shared disk must not block allocation or make indices read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put(extra.build())
            .build();

        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(opts.get("name"));
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Collections.emptyMap(), config, () -> opts.get("name"));
        LogConfigurator.configure(env);
        Logger log = LogManager.getLogger(TestNode.class);

        List<Class<? extends Plugin>> plugins = Arrays.asList(Netty4Plugin.class, CommonAnalysisPlugin.class);
        Node node = new MockNode(settings, plugins, config, true);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                log.info("stopping node");
                node.close();
                if (!node.awaitClose(20, TimeUnit.SECONDS)) {
                    log.warn("node did not close within 20 s");
                }
                log.info("node stopped");
            } catch (IOException | InterruptedException e) {
                log.warn("failed to stop node cleanly", e);
            } finally {
                stopped.countDown();
                Configurator.shutdown((LoggerContext) LogManager.getContext(false));
            }
        }, "test-node-shutdown"));

        node.start();
        log.info("test node [{}] started: http 127.0.0.1:{}, transport 127.0.0.1:{}",
            opts.get("name"), opts.get("http-port"), opts.get("transport-port"));
        // OpenSearch's own threads are daemons: this non-daemon main thread keeps the JVM alive.
        stopped.await();
    }

    private static void usage(String why) {
        System.err.println("TestNode: " + why);
        System.err.println("usage: TestNode --name N --home DIR --http-port P --transport-port P --cluster-name C"
            + " --seed-hosts H:P,... --initial-cluster-manager-nodes N,... [-Ekey=value ...]");
        System.exit(2);
    }
}
