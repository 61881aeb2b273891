package com.tencent.cloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.sun.jna.Platform;
import org.junit.jupiter.api.Test;

/** The library comes from the jar's JNA resource unless LIBSTS_PATH / -Dlibsts.path names one. */
public class LoadTest {

    @Test
    public void theJarCarriesLibstsAsAJnaResource() {
        assertEquals("linux-x86-64", Platform.RESOURCE_PREFIX, "this build targets linux-x86-64 only");
        assertNotNull(LoadTest.class.getClassLoader().getResource("linux-x86-64/libsts.so"),
                "linux-x86-64/libsts.so is not on the classpath: pom.xml copies it from ${libsts.dir}");
    }

    @Test
    public void theLibraryIsLoadedFromWhereTheLookupOrderSays() {
        assertNotNull(CosStsClient.libraryVersion());
        String override = System.getProperty("libsts.path");
        if (override == null || override.isEmpty()) {
            override = System.getenv("LIBSTS_PATH");
        }
        String expected = override == null || override.isEmpty()
                ? "resource linux-x86-64/libsts.so"
                : new java.io.File(override).getAbsolutePath();
        assertEquals(expected, LibSts.Direct.SOURCE);
    }
}
