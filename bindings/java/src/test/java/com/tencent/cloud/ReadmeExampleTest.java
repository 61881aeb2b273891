package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/** The README's complete upload endpoint compiles against this binding as it is written there. */
public class ReadmeExampleTest {

    @Test
    public void uploadEndpointExampleCompiles() throws IOException {
        String readme = CoreReference.read(CoreReference.root().resolve("bindings/java/README.md"));
        int cls = readme.indexOf("public class UploadEndpoint");
        assertTrue(cls > 0, "README.md has no `public class UploadEndpoint`");
        int start = readme.lastIndexOf("```java\n", cls) + "```java\n".length();
        int end = readme.indexOf("```", cls);
        String source = readme.substring(start, end);
        assertTrue(source.startsWith("import "), "the example starts with its imports");

        Path dir = Files.createTempDirectory("libsts-readme");
        try {
            Path file = dir.resolve("UploadEndpoint.java");
            Files.write(file, source.getBytes(StandardCharsets.UTF_8));
            JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
            assertNotNull(javac, "no system Java compiler (a JDK is needed)");
            StringWriter out = new StringWriter();
            // javac follows the Class-Path of surefire's manifest-only jar, so this is the test classpath.
            Boolean ok = javac.getTask(out, null, null,
                    List.of("-Xlint:all", "-Werror", "-d", dir.toString(), "-cp", System.getProperty("java.class.path")),
                    null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8).getJavaFileObjects(file.toFile()))
                    .call();
            assertEquals(Boolean.TRUE, ok, out.toString());
            assertTrue(Files.exists(dir.resolve("UploadEndpoint.class")));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
