// The explanation math's epsilons for the CUDA kernels and their tests. The Java values
// (org.gradcam4j.method.Epsilons) are the originals; NumericConstantsTest reads this file and fails
// when a value here differs from its Java counterpart, so change both together.
#pragma once

namespace gradcam4j {

// Grad-CAM++ default form: alpha = g^2 / (2 g^2 + (sum A) g^3 + eps). pytorch-grad-cam's value.
constexpr float kGradCamPlusPlusEps = 1e-6f;  // = Epsilons.GRADCAM_PP
// XGrad-CAM: w = sum(g A) / (sum A + eps). pytorch-grad-cam's value; only guards sum A = 0.
constexpr float kXGradCamEps = 1e-7f;         // = Epsilons.XGRADCAM

// Score-CAM masks: (m - min) / (max - min + eps). pytorch-grad-cam's value; the kernels take it in
// double, as Java computes.
constexpr double kScoreCamMaskEps = 1e-8;     // = Epsilons.SCORECAM_MASK

}  // namespace gradcam4j
