package com.tencent.cloud;

import com.sun.jna.Callback;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The libsts C ABI through JNA, and the one place that crosses it.
 *
 * <p>Inputs go in as UTF-8 {@code byte[]} with a terminating NUL (a {@code String} argument would be
 * encoded with the platform charset and turn non-ASCII into {@code ?} under {@code LC_ALL=C}).
 * Every {@code char*} the library hands back is read as UTF-8 and released with
 * {@code sts_string_free} in a {@code finally} block, exactly once.
 *
 * <p>Library lookup: the {@code libsts.path} system property, else the {@code LIBSTS_PATH}
 * environment variable (a file path), else the copy this jar carries as the JNA resource
 * {@code linux-x86-64/libsts.so} (extracted by JNA to a temporary file), else {@code sts} on
 * {@code jna.library.path} and the system library path. The jar's own copy comes before the system
 * path so that an older libsts installed there never answers for this jar's version.
 */
final class LibSts {
    private LibSts() {}

    // The StsCode numbers of include/sts.h, the one place this binding spells them;
    // DriftTest fails when these STS_* fields and the header's enum differ.
    static final int STS_OK = 0;
    static final int STS_INVALID_ARGUMENT = 1;
    static final int STS_NETWORK = 2;
    static final int STS_SERVICE = 3;
    static final int STS_BAD_RESPONSE = 4;
    static final int STS_INTERNAL = 5;

    /**
     * The raw C functions, bound with JNA direct mapping (about 3x less per-call overhead than an
     * interface proxy). Static natives are safe to call from any number of threads. The class is
     * initialised, and the library loaded, on first use.
     */
    static final class Direct {
        private static final Throwable LOAD_ERROR;
        /** Where the library came from: a path, "resource NAME" or "search path" (for the tests). */
        static final String SOURCE;

        static {
            Throwable err = null;
            String[] source = {null};
            try {
                Native.register(Direct.class, NativeLibrary.getInstance(target(source)));
            } catch (Throwable t) {
                err = t;
            }
            LOAD_ERROR = err;
            SOURCE = source[0];
        }

        private Direct() {}

        static void check() {
            if (LOAD_ERROR != null) {
                UnsatisfiedLinkError e = new UnsatisfiedLinkError("cannot load libsts: " + LOAD_ERROR.getMessage()
                        + " (looked at -Dlibsts.path, LIBSTS_PATH, the jar's resource " + resourceName()
                        + ", then jna.library.path and the system library path)");
                e.initCause(LOAD_ERROR);
                throw e;
            }
        }

        static native int sts_get_credential(byte[] configJson, PointerByReference outJson);

        static native int sts_get_role_credential(byte[] configJson, PointerByReference outJson);

        static native int sts_get_policy(byte[] scopesJson, PointerByReference outJson);

        static native int sts_check_config(byte[] configJson, PointerByReference outJson);

        static native int sts_get_upload_credential(byte[] configJson, PointerByReference outJson);

        static native int sts_get_upload_credential_async(byte[] configJson, AsyncCallback callback, Pointer userData);

        static native void sts_cache_clear();

        static native int sts_get_credential_async(byte[] configJson, AsyncCallback callback, Pointer userData);

        static native int sts_get_role_credential_async(byte[] configJson, AsyncCallback callback, Pointer userData);

        static native int sts_set_async_workers(int workers);

        static native void sts_string_free(Pointer s);

        static native Pointer sts_version();
    }

    /**
     * {@code StsCallback} of include/sts.h: called exactly once per accepted async call, on a libsts
     * worker thread, with the {@code user_data} given, the code and the answer (owned by the receiver:
     * release it with {@code sts_string_free}).
     */
    interface AsyncCallback extends Callback {
        void invoke(Pointer userData, int code, Pointer outJson);
    }

    /** The resource name of the library this jar carries for this platform, e.g. linux-x86-64/libsts.so. */
    static String resourceName() {
        return Platform.RESOURCE_PREFIX + "/" + System.mapLibraryName("sts");
    }

    /**
     * The library to load: a file from libsts.path / LIBSTS_PATH, else the jar's resource, else
     * "sts" on the search path.
     */
    private static String target(String[] source) throws IOException {
        String path = System.getProperty("libsts.path");
        if (path == null || path.isEmpty()) {
            path = System.getenv("LIBSTS_PATH");
        }
        if (path != null && !path.isEmpty()) {
            File f = new File(path);
            if (!f.isFile()) {
                throw new UnsatisfiedLinkError("libsts not found at " + path + " (from libsts.path / LIBSTS_PATH)");
            }
            source[0] = f.getAbsolutePath();
            return f.getAbsolutePath();
        }
        ClassLoader loader = LibSts.class.getClassLoader();
        if (loader != null && loader.getResource(resourceName()) != null) {
            source[0] = "resource " + resourceName();
            return Native.extractFromResourcePath("sts", loader).getAbsolutePath();
        }
        source[0] = "search path";
        return "sts";
    }

    /** A finished call: the StsCode and the JSON the library wrote to {@code *out_json}. */
    static final class Result {
        final int code;
        final String json;

        Result(int code, String json) {
            this.code = code;
            this.json = json;
        }
    }

    enum Fn { CREDENTIAL, ROLE_CREDENTIAL, UPLOAD_CREDENTIAL, POLICY, CHECK_CONFIG }

    static Result call(Fn fn, String json) {
        byte[] in = cString(json);
        Direct.check();
        PointerByReference out = new PointerByReference();
        int code;
        Pointer p = null;
        try {
            switch (fn) {
                case CREDENTIAL: code = Direct.sts_get_credential(in, out); break;
                case ROLE_CREDENTIAL: code = Direct.sts_get_role_credential(in, out); break;
                case UPLOAD_CREDENTIAL: code = Direct.sts_get_upload_credential(in, out); break;
                case POLICY: code = Direct.sts_get_policy(in, out); break;
                case CHECK_CONFIG: code = Direct.sts_check_config(in, out); break;
                default: throw new AssertionError(fn);
            }
            p = out.getValue();
            if (p == null) {
                throw new IllegalStateException("libsts returned code " + code + " without an out_json string");
            }
            return new Result(code, p.getString(0, "UTF-8"));
        } finally {
            if (p == null) {
                p = out.getValue();
            }
            if (p != null) {
                Direct.sts_string_free(p);
            }
        }
    }

    static void cacheClear() {
        Direct.check();
        Direct.sts_cache_clear();
    }

    static String version() {
        Direct.check();
        Pointer p = Direct.sts_version();
        return p == null ? null : p.getString(0, "UTF-8");
    }

    /**
     * UTF-8 bytes plus a terminating NUL; an embedded NUL would silently truncate the input. The JSON
     * this binding writes never holds one (a NUL inside a value goes as a JSON escape, for the core to
     * judge), so this only guards the boundary itself.
     */
    static byte[] cString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (b == 0) {
                throw StsInvalidArgumentException.of("config", "contains a raw NUL byte");
            }
        }
        byte[] out = new byte[utf8.length + 1];
        System.arraycopy(utf8, 0, out, 0, utf8.length);
        return out;
    }
}
