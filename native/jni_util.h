// JNI boundary helpers shared by jni_kernels.cpp and jni_cudnn_engine.cpp.
//
// Every JNI entry point runs its body through guarded(): a C++ exception never crosses into the
// JVM. NativeError (native/check.h) becomes
//   org.gradcam4j.backend.cuda.CudaOutOfMemoryException  when the device ran out of memory,
//   org.gradcam4j.backend.cuda.CudaException             otherwise,
// a host std::bad_alloc becomes java.lang.OutOfMemoryError, anything else CudaException. The
// entry point then returns a dummy value that Java never sees (the exception is pending).
#pragma once

#include <jni.h>

#include <exception>
#include <new>
#include <string>

#include "check.h"

namespace gradcam4j {
namespace jni {

constexpr const char* kCudaException = "org/gradcam4j/backend/cuda/CudaException";
constexpr const char* kCudaOutOfMemoryException =
    "org/gradcam4j/backend/cuda/CudaOutOfMemoryException";

// Raises a Java exception of class `cls`. If a Java exception is already pending (a JNI call in
// the body failed first), that one is kept: it is the original failure. If `cls` cannot be found
// (the Java side is older than this library) a RuntimeException naming it is raised instead.
inline void throw_java(JNIEnv* env, const char* cls, const std::string& message) noexcept {
    if (env->ExceptionCheck()) return;
    jclass c = env->FindClass(cls);
    if (!c) {
        env->ExceptionClear();
        c = env->FindClass("java/lang/RuntimeException");
        if (!c) return;  // the JVM is out of memory; its own error is pending
        env->ThrowNew(c, (std::string(cls) + " (class not found): " + message).c_str());
        return;
    }
    env->ThrowNew(c, message.c_str());
}

template <typename R, typename Body>
R guarded(JNIEnv* env, R fallback, Body&& body) noexcept {
    try {
        return body();
    } catch (const NativeError& e) {
        throw_java(env, e.out_of_memory() ? kCudaOutOfMemoryException : kCudaException, e.what());
    } catch (const std::bad_alloc&) {
        throw_java(env, "java/lang/OutOfMemoryError", "gradcam4j native: host allocation failed");
    } catch (const std::exception& e) {
        throw_java(env, kCudaException, std::string("gradcam4j native: ") + e.what());
    } catch (...) {
        throw_java(env, kCudaException, "gradcam4j native: unknown error");
    }
    return fallback;
}

// A Java String from UTF-8; throws (into guarded) if the JVM could not allocate it.
inline jstring new_string(JNIEnv* env, const std::string& s) {
    jstring r = env->NewStringUTF(s.c_str());
    if (!r) throw std::bad_alloc();  // OutOfMemoryError already pending; throw_java keeps it
    return r;
}

}  // namespace jni
}  // namespace gradcam4j
