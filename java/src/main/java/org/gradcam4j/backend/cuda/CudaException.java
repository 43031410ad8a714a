package org.gradcam4j.backend.cuda;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A failed CUDA, cuDNN or cuBLAS call in the native engine, raised at the JNI boundary ({@code native/jni_util.h}).
 * The message is the native error's one line,
 * {@code <api> error <code> (<error string>) in `<statement>` at <file>:<line> (<function>)}, whose parts are
 * available separately; a failure that was not a library call (a bad argument) has a free-form message and no
 * parts. A sticky CUDA error (a kernel fault) leaves the device unusable: every later call fails fast.
 */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final Pattern NATIVE_ERROR =
            Pattern.compile("^(\\S+) error (-?\\d+) \\((.*?)\\) in `(.*)` at (\\S+:\\d+) \\((.*)\\)$", Pattern.DOTALL);

    /** Called from native code (JNI {@code ThrowNew}) with the native error's message. */
    public CudaException(String message) {
        super(message);
    }

    public CudaException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The failing statement as written in the native source, e.g. {@code cudaMalloc(&p, bytes)}. */
    public Optional<String> failingCall() { return part(4); }

    /** {@code CUDA}, {@code cuDNN}, {@code cuBLAS} or a kernel launch's API name. */
    public Optional<String> api() { return part(1); }

    /** The library's status code (e.g. {@code cudaError_t}). */
    public OptionalInt errorCode() {
        return part(2).map(s -> OptionalInt.of(Integer.parseInt(s))).orElse(OptionalInt.empty());
    }

    /** The library's description of the code, e.g. {@code cudaErrorMemoryAllocation: out of memory}. */
    public Optional<String> errorString() { return part(3); }

    /** {@code file:line (function)} of the failing call. */
    public Optional<String> location() {
        Matcher m = parsed();
        return m == null ? Optional.empty() : Optional.of(m.group(5) + " (" + m.group(6) + ")");
    }

    private Optional<String> part(int group) {
        Matcher m = parsed();
        return m == null ? Optional.empty() : Optional.of(m.group(group));
    }

    private Matcher parsed() {
        String msg = getMessage();
        if (msg == null) return null;
        Matcher m = NATIVE_ERROR.matcher(msg);
        return m.matches() ? m : null;
    }
}
