// The small layer kernels of the cuDNN engine (native/cudnn_network.cpp): everything a VGG
// forward / backward pass needs besides the convolutions (cuDNN) and the fully-connected
// products (cuBLAS). They are plain elementwise or window operations, written here rather than
// through cuDNN descriptors so that their semantics are exactly those of the CPU backend:
//   - max-pool 2x2 / stride 2 (floor), backward routed to the FIRST maximum of each window in
//     the order (0,0), (0,1), (1,0), (1,1), as PyTorch and the CPU backend do (cuDNN's pooling
//     backward does not document its tie rule);
//   - global average pooling and its backward;
//   - bias + optional ReLU in place, for NCHW conv outputs and (N x C) fc outputs alike;
//   - a row gather (seed rows -> their image's activations) for weight gradients.
// Layout: dense row-major float32 device memory, NCHW. image_of (M) maps gradient rows to
// forward rows; nullptr means the identity. Launchers return cudaSuccess without launching on
// empty work, cudaErrorInvalidValue on negative sizes or null required pointers, else the
// launch status.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace gradcam4j {

// y[n, c, i] = act(y[n, c, i] + bias[c]) for i < inner; act = ReLU or identity. bias may be
// nullptr (ReLU only). For an fc output (N x C) pass inner = 1.
cudaError_t launch_bias_act(float* y, const float* bias, int N, int C, int64_t inner, bool relu,
                            cudaStream_t stream);

// out[n, c, i, j] = max of in[n, c, 2i..2i+1, 2j..2j+1]; out is N x C x (H/2) x (W/2) (floor).
cudaError_t launch_maxpool2_forward(float* out, const float* in, int N, int C, int H, int W,
                                    cudaStream_t stream);

// grad_in (M x C x H x W) = gradient routed from grad_out (M x C x H/2 x W/2) to the first
// maximum of each 2x2 window of in (N x C x H x W, the forward input, row image_of[m]); zero
// elsewhere, including an odd last row / column. grad_in must not overlap the inputs. When H or
// W is below 2 there is no window: grad_in is zero-filled and grad_out / in may be null.
cudaError_t launch_maxpool2_backward(float* grad_in, const float* grad_out, const float* in,
                                     const int* image_of, int M, int C, int H, int W,
                                     cudaStream_t stream);

// out[n, c] = mean over HW of in[n, c, :].
cudaError_t launch_gap_forward(float* out, const float* in, int N, int C, int HW,
                               cudaStream_t stream);

// grad_in[m, c, i] = grad_out[m, c] / HW.
cudaError_t launch_gap_backward(float* grad_in, const float* grad_out, int M, int C, int HW,
                                cudaStream_t stream);

// out[m, :] = in[image_of[m], :] for rows of `per_row` floats (image_of required).
cudaError_t launch_gather_rows(float* out, const float* in, const int* image_of, int M,
                               int64_t per_row, cudaStream_t stream);

// p[i] = value for i < n.
cudaError_t launch_fill(float* p, int64_t n, float value, cudaStream_t stream);

}  // namespace gradcam4j
