package com.tencent.cloud;

import com.sun.jna.CallbackThreadInitializer;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The async calls over {@code sts_get_credential_async}, {@code sts_get_role_credential_async} and
 * {@code sts_get_upload_credential_async}.
 *
 * <p>One callback object serves every call: it is held in a static field, so it (and the native
 * trampoline JNA made for it) lives as long as this class, i.e. for as long as libsts may call it.
 * Each call gets an id, passed as {@code user_data} and mapped to its future in {@link #PENDING}
 * until libsts answers. The callback runs on a libsts worker thread and does as little as possible
 * there: it copies the answer (unless the future is already done, e.g. cancelled), frees libsts's
 * string in {@code finally}, and hands the copy to the call's executor, which builds the
 * {@link Response} or exception and completes the future. So no user code (dependent stages) ever
 * runs on, or blocks, a libsts worker.
 */
final class AsyncCalls {
    private AsyncCalls() {}

    /** Turns a finished call into its result, or throws the exception the blocking call would. */
    interface Decoder<T> {
        T decode(LibSts.Result r) throws StsException;
    }

    private static final class Pending<T> {
        final CompletableFuture<T> future;
        final Executor executor;
        final Decoder<T> decoder;

        Pending(CompletableFuture<T> future, Executor executor, Decoder<T> decoder) {
            this.future = future;
            this.executor = executor;
            this.decoder = decoder;
        }

        void complete(LibSts.Result r) {
            boolean completed;
            try {
                completed = future.complete(decoder.decode(r));
            } catch (StsException | RuntimeException e) {
                completed = future.completeExceptionally(e);
            }
            if (!completed) {
                DISCARDED.incrementAndGet(); // cancelled meanwhile: the copy goes unread
            }
        }
    }

    /** Calls libsts still owes an answer, by the id passed as {@code user_data}. */
    private static final ConcurrentHashMap<Long, Pending<?>> PENDING = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong(1);
    /** Accepted calls whose callback has not finished yet (PENDING drops a call when it starts). */
    private static final AtomicLong OUTSTANDING = new AtomicLong();

    // For the tests: callbacks run, answers freed unread (the future was done before the answer
    // came: cancelled, or completed by its user), callbacks with an id that was not pending.
    static final AtomicLong CALLBACKS = new AtomicLong();
    static final AtomicLong DISCARDED = new AtomicLong();
    static final AtomicLong UNKNOWN_IDS = new AtomicLong();

    private static final class Answer implements LibSts.AsyncCallback {
        @Override
        public void invoke(Pointer userData, int code, Pointer outJson) {
            // Nothing may escape to libsts's thread: JNA would report it and return anyway, but a
            // future left incomplete would hang its caller.
            Pending<?> p = null;
            try {
                CALLBACKS.incrementAndGet();
                p = PENDING.remove(Pointer.nativeValue(userData));
                if (p == null) {
                    UNKNOWN_IDS.incrementAndGet();
                    return;
                }
                final Pending<?> call = p;
                if (call.future.isDone()) {
                    DISCARDED.incrementAndGet();
                    return;
                }
                LibSts.Result r = outJson == null
                        ? new LibSts.Result(LibSts.STS_INTERNAL,
                                "{\"error\":{\"code\":\"Client.Internal\",\"message\":\"libsts returned no answer\",\"requestId\":null}}")
                        : new LibSts.Result(code, outJson.getString(0, "UTF-8"));
                Runnable complete = () -> call.complete(r);
                try {
                    call.executor.execute(complete);
                } catch (RejectedExecutionException e) {
                    complete.run(); // a shut-down executor must not leave the future hanging
                }
            } catch (Throwable t) {
                // Not reached in practice (an OutOfMemoryError, say).
                if (p != null) {
                    p.future.completeExceptionally(t);
                }
            } finally {
                if (outJson != null) {
                    LibSts.Direct.sts_string_free(outJson);
                }
                OUTSTANDING.decrementAndGet(); // last: a test seeing none left sees final counters
            }
        }
    }

    private static final Answer CALLBACK = new Answer();

    static {
        // libsts's workers are long-lived: keep them attached to the JVM between callbacks (an
        // attach per callback costs more than the call's own work), as daemon threads so they never
        // keep the JVM from exiting.
        Native.setCallbackThreadInitializer(CALLBACK, new CallbackThreadInitializer(true, false, "libsts-callback"));
    }

    /**
     * Starts one call. The future completes on {@code executor} with the answer, or exceptionally
     * with the exception the blocking call would throw; it fails at once when libsts refuses the
     * call (overload), and then no callback comes.
     */
    static <T> CompletableFuture<T> submit(LibSts.Fn fn, String configJson, Executor executor, Decoder<T> decoder) {
        CompletableFuture<T> future = new CompletableFuture<>();
        byte[] in;
        try {
            in = LibSts.cString(configJson);
        } catch (StsInvalidArgumentException e) {
            future.completeExceptionally(e);
            return future;
        }
        LibSts.Direct.check();
        long id = NEXT_ID.getAndIncrement();
        // Registered first: the callback may run before the async function has returned.
        PENDING.put(id, new Pending<>(future, executor, decoder));
        OUTSTANDING.incrementAndGet();
        int code;
        try {
            switch (fn) {
                case CREDENTIAL: code = LibSts.Direct.sts_get_credential_async(in, CALLBACK, new Pointer(id)); break;
                case ROLE_CREDENTIAL: code = LibSts.Direct.sts_get_role_credential_async(in, CALLBACK, new Pointer(id)); break;
                case UPLOAD_CREDENTIAL: code = LibSts.Direct.sts_get_upload_credential_async(in, CALLBACK, new Pointer(id)); break;
                default: throw new AssertionError(fn);
            }
        } catch (RuntimeException | Error e) {
            PENDING.remove(id);
            OUTSTANDING.decrementAndGet();
            throw e;
        }
        if (code != LibSts.STS_OK) {
            // Not accepted: no callback will come for this id.
            PENDING.remove(id);
            OUTSTANDING.decrementAndGet();
            future.completeExceptionally(refused(code));
        }
        return future;
    }

    private static StsException refused(int code) {
        if (code == LibSts.STS_NETWORK) {
            return new StsNetworkException("Client.Network", "libsts is overloaded: its queue of waiting calls is full "
                    + "or no worker thread could be started; try again later", null);
        }
        return new StsException(code, "Client.Internal", "libsts refused the async call with code " + code, null);
    }

    /** Calls libsts has accepted whose callback has not finished yet. */
    static long pending() {
        return OUTSTANDING.get();
    }

    static void setWorkers(int workers) {
        LibSts.Direct.check();
        int code = LibSts.Direct.sts_set_async_workers(workers);
        if (code == LibSts.STS_INVALID_ARGUMENT) {
            // libsts answers with a code only; its range, as its own message words it.
            throw StsInvalidArgumentException.of("workers", workers + " is out of range 1..=1024");
        }
        if (code != LibSts.STS_OK) {
            throw new IllegalStateException("sts_set_async_workers returned code " + code);
        }
    }
}
