// The kernel parity suite: every kernel family against its CPU reference (kernels/reference/)
// on seeded random inputs. One list of cases serves the standalone harness (kernel_check) and
// the JNI self-test (quick subset).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace gradcam4j {
namespace test {

// One comparison. rel_err = ||gpu - ref||_2 / ||ref||_2 (or ||gpu||_2 when ref is all zero,
// which then has to be exactly zero); a non-finite GPU value counts as an infinite error.
struct CheckLine {
    std::string family;  // kernel family (file stem): grad_pool, gradcampp, ...
    std::string what;    // launcher + variant
    std::string shape;   // case name with its sizes
    double rel_err = 0;
    double tol = 0;
    bool ok = false;
};

struct CheckOptions {
    bool quick = false;     // skip the M = 64 and large-map cases (JNI self-test)
    uint32_t seed = 20240917;
};

// Runs every case on the current CUDA device and returns one line per comparison.
// CUDA failures throw gradcam4j::NativeError (native/check.h).
std::vector<CheckLine> run_kernel_checks(const CheckOptions& options);

bool all_passed(const std::vector<CheckLine>& lines);

// A fixed-width table, one line per check, then a summary line "overall: PASS|FAIL (n checks)".
std::string format_check_table(const std::vector<CheckLine>& lines);

}  // namespace test
}  // namespace gradcam4j
