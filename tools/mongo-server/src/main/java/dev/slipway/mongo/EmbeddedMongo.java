package dev.slipway.mongo;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.List;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.MongoVersion;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * Starts mongo-java-server on 127.0.0.1.
 *
 * <pre>
 * usage: EmbeddedMongo PORT [H2_FILE] [--no-stdin-watch]
 *   PORT      TCP port on 127.0.0.1 (0 = any free port)
 *   H2_FILE   persist data in this H2 MVStore file; in-memory backend when absent
 * </pre>
 *
 * Prints "READY &lt;port&gt;" on stdout once listening. Exits cleanly (closing the
 * backend, which flushes the H2 file) on SIGTERM/SIGINT and when stdin reaches
 * EOF, so it never outlives the process that spawned it. Exit code 3 means the
 * port was already in use.
 */
public final class EmbeddedMongo {

    /**
     * mongo-java-server reports maxWireVersion 8 by default, but the MongoDB
     * Node.js driver 7.x refuses servers below wire version 9 (MongoDB 4.4).
     * Advertise 4.4 / wire 9: the lowest version the driver accepts, so it does
     * not assume newer server features.
     */
    private static final MongoVersion ADVERTISED_VERSION = new MongoVersion() {
        @Override
        public List<Integer> getVersionArray() {
            return List.of(4, 4, 0);
        }

        @Override
        public int getWireVersion() {
            return 9;
        }
    };

    private EmbeddedMongo() {
    }

    public static void main(String[] args) {
        setDefaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefaultProperty("org.slf4j.simpleLogger.logFile", "System.err");

        Integer port = null;
        String h2File = null;
        boolean watchStdin = true;
        for (String arg : args) {
            if (arg.equals("--no-stdin-watch")) {
                watchStdin = false;
            } else if (port == null) {
                port = Integer.valueOf(arg);
            } else if (h2File == null) {
                h2File = arg;
            } else {
                usage();
            }
        }
        if (port == null) {
            usage();
        }

        MongoBackend backend = h2File == null ? new MemoryBackend() : new H2Backend(h2File);
        backend.version(ADVERTISED_VERSION);
        MongoServer server = new MongoServer(backend);
        try {
            server.bind("127.0.0.1", port);
        } catch (Throwable e) {
            boolean inUse = false;
            for (Throwable t = e; t != null; t = t.getCause()) {
                inUse |= t instanceof BindException;
            }
            System.err.println((inUse ? "ADDRESS_IN_USE " : "BIND_FAILED ") + e);
            backend.close();
            System.exit(inUse ? 3 : 2);
            return;
        }

        Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow, "mongo-shutdown"));

        InetSocketAddress address = server.getLocalAddress();
        System.out.println("READY " + address.getPort());
        System.out.flush();

        if (watchStdin) {
            Thread watcher = new Thread(() -> {
                try {
                    byte[] buf = new byte[256];
                    while (System.in.read(buf) != -1) {
                        // ignore input; we only wait for EOF
                    }
                } catch (IOException ignored) {
                    // treat a broken stdin like EOF
                }
                System.exit(0);
            }, "stdin-watch");
            watcher.setDaemon(true);
            watcher.start();
        }
    }

    private static void setDefaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static void usage() {
        System.err.println("usage: EmbeddedMongo PORT [H2_FILE] [--no-stdin-watch]");
        System.exit(64);
    }
}
