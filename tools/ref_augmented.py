#!/usr/bin/env python3
"""Reference for gradcam4j's Augmented Grad-CAM super-resolution (docs/ALGORITHMS.md section 5), in PyTorch.

Usage:  /usr/bin/python3 tools/ref_augmented.py OUT.npz [--iterations K]
        /usr/bin/python3 tools/ref_augmented.py --out DIR      (writes DIR/ref_augmented.npz)
        /usr/bin/python3 tools/ref_augmented.py --seed-parity IN.npz OUT.npz   (see seed_parity below)

Seeded (numpy default_rng(SEED)): N warps (copy 0 the identity; angle ~ U(-0.5, 0.5) rad, shift ~ U(-30, 30) px),
a synthetic 224 x 224 high-resolution map `truth`, and from them, with operators written here independently of
the Java code:
  T_l  torch grid_sample(bilinear, padding zeros, align_corners=True) reading source = R(x - d - c) + c,
       c = (S - 1) / 2, R = [cos -sin; sin cos] (the TF1 rotate-then-translate of the seed)
  D    area: avg_pool2d over 16 x 16 blocks;  point: pixel (16 i, 16 j) (TF1 legacy resize)
the problem  min_v sum_l ||D T_l v - g_l||^2 + lambda_tv TV(v) + lambda_e ||v||^2  (TV anisotropic, forward
differences; lambda_tv = 0.002 N, lambda_e = 0.0001 N), with g_l = D_area T_l truth divided by its own maximum.

Writes float32 arrays (what gradcam4j's .npz reader takes). Every input (angles, shifts, truth, g) is rounded to
float32 first and used in that form, so the Java side reads exactly the problem solved here; the computation is
float64 throughout:
  angles (N), shifts (N x 2: dx, dy), truth (S x S)
  obs_area, obs_point (N x h x h)  D T_l truth for both D (operator parity)
  g (N x h x h)                     the per-copy normalised observations the solvers get
  seed_v (S x S)                    the seed's solver: 200 TF1-style Adam steps (lr 1e-3, beta1 0.9, beta2 0.999,
                                    eps 1e-8 added after folding the bias correction into the step), point D, from 0,
                                    gradients by autograd through the point operator as a sparse matrix
  seed_objective                    its objective (point D)
  ref_v (S x S), ref_objective      a long optimisation of the area-D problem: accelerated Chambolle-Pock on
                                    K = [A; grad] for K iterations (default 8000); A as a scipy sparse matrix built
                                    here from the bilinear formula and checked against the grid_sample path above
  ref_dual                          its final dual value: a certificate, optimum >= ref_dual
  ref_gap                           (ref_objective - ref_dual) / ref_objective
  ref_objective_truth               the objective at `truth`, for scale
Never edit the output by hand: rerun the script.
"""
import argparse
import math
import os
import sys

try:
    import numpy as np
    import scipy.sparse as sp
    import torch
    import torch.nn.functional as F
except ImportError as e:  # the Java test skips on status 3
    print(f"ref_augmented.py: {e}", file=sys.stderr)
    sys.exit(3)

SEED = 20200504
N, S, H = 8, 224, 14
F_ = S // H
LR, B1, B2, EPS, STEPS = 1e-3, 0.9, 0.999, 1e-8, 200

torch.set_default_dtype(torch.float64)


def make_warps(rng):
    angles = rng.uniform(-0.5, 0.5, N)
    shifts = rng.uniform(-30, 30, (N, 2))
    angles[0] = 0
    shifts[0] = 0
    return angles, shifts


def grids(angles, shifts):
    """(N x S x S x 2) grid_sample grids: normalised source (x, y) of every output pixel."""
    c = (S - 1) / 2.0
    ys, xs = torch.meshgrid(torch.arange(S, dtype=torch.float64), torch.arange(S, dtype=torch.float64), indexing="ij")
    out = []
    for a, (dx, dy) in zip(angles, shifts):
        X, Y = xs - dx - c, ys - dy - c
        sx = math.cos(a) * X - math.sin(a) * Y + c
        sy = math.sin(a) * X + math.cos(a) * Y + c
        out.append(torch.stack([2 * sx / (S - 1) - 1, 2 * sy / (S - 1) - 1], dim=-1))
    return torch.stack(out)


def warp(v, grid):
    """T_l v for every l: (S x S) -> (N x S x S)."""
    x = v.reshape(1, 1, S, S).expand(grid.shape[0], 1, S, S)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=True)[:, 0]


def d_area(t):
    return F.avg_pool2d(t.unsqueeze(1), F_)[:, 0]


def d_point(t):
    return t[:, ::F_, ::F_]


def tv(v):
    return (v[:, 1:] - v[:, :-1]).abs().sum() + (v[1:, :] - v[:-1, :]).abs().sum()


def objective(v, grid, g, down, lam_tv, lam_e):
    r = down(warp(v, grid)) - g
    return (r * r).sum() + lam_tv * tv(v) + lam_e * (v * v).sum()


def truth_map():
    ys, xs = torch.meshgrid(torch.arange(S, dtype=torch.float64), torch.arange(S, dtype=torch.float64), indexing="ij")
    blob = torch.exp(-((xs - 80) ** 2 + (ys - 100) ** 2) / (2 * 25.0 ** 2))
    blob = blob + 0.7 * torch.exp(-((xs - 160) ** 2 + (ys - 150) ** 2) / (2 * 12.0 ** 2))
    box = ((xs >= 30) & (xs < 60) & (ys >= 170) & (ys < 200)).double() * 0.5  # sharp edges: TV's home ground
    return blob + box


def seed_adam(A, g, lam_tv, lam_e):
    """The seed's solver. A is the point-sample operator as a torch sparse matrix: its taps are computed from the
    pixel coordinates directly, as TF's projective transform does; grid_sample's normalised coordinates would
    put 1e-16 weights on neighbours of exact sample positions, and Adam turns such specks into whole steps where
    TV's sign(0) = 0 decides."""
    v = torch.zeros(S, S, requires_grad=True)
    gf = g.reshape(-1)
    m = torch.zeros(S, S)
    s = torch.zeros(S, S)
    b1t = b2t = 1.0
    for t in range(1, STEPS + 1):
        r = torch.sparse.mm(A, v.reshape(-1, 1))[:, 0] - gf
        loss = (r * r).sum() + lam_tv * tv(v) + lam_e * (v * v).sum()
        (grad,) = torch.autograd.grad(loss, v)
        b1t *= B1
        b2t *= B2
        lr_t = LR * math.sqrt(1 - b2t) / (1 - b1t)
        with torch.no_grad():
            m = B1 * m + (1 - B1) * grad
            s = B2 * s + (1 - B2) * grad * grad
            v -= lr_t * m / (torch.sqrt(s) + EPS)
    return v.detach()


def grad2d(v):
    gx = torch.zeros_like(v)
    gy = torch.zeros_like(v)
    gx[:, :-1] = v[:, 1:] - v[:, :-1]
    gy[:-1, :] = v[1:, :] - v[:-1, :]
    return gx, gy


def grad2d_adjoint(px, py):
    out = torch.zeros_like(px)
    out[:, :-1] -= px[:, :-1]
    out[:, 1:] += px[:, :-1]
    out[:-1, :] -= py[:-1, :]
    out[1:, :] += py[:-1, :]
    return out


def sparse_operator(angles, shifts, area):
    """A = [D T_1; ...] as a CSR matrix, from the bilinear formula (taps outside the plane dropped); D the area
    mean (area=True) or the point sample at (16 i, 16 j)."""
    c = (S - 1) / 2.0
    ys, xs = np.mgrid[0:S, 0:S].astype(np.float64)
    if area:
        pool = sp.csr_matrix((np.full(S * S, 1.0 / (F_ * F_)),
                              (((ys // F_) * H + xs // F_).astype(int).ravel(), np.arange(S * S))), shape=(H * H, S * S))
    else:
        cells = np.arange(H * H)
        pool = sp.csr_matrix((np.ones(H * H), (cells, (cells // H) * F_ * S + (cells % H) * F_)), shape=(H * H, S * S))
    blocks = []
    for a, (dx, dy) in zip(angles, shifts):
        X, Y = xs - dx - c, ys - dy - c
        sx = math.cos(a) * X - math.sin(a) * Y + c
        sy = math.sin(a) * X + math.cos(a) * Y + c
        x0, y0 = np.floor(sx), np.floor(sy)
        wx, wy = sx - x0, sy - y0
        rows, cols, vals = [], [], []
        for oy, ox, w in [(0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx), (1, 0, wy * (1 - wx)), (1, 1, wy * wx)]:
            yy, xx, ww = (y0 + oy).astype(int).ravel(), (x0 + ox).astype(int).ravel(), w.ravel()
            ok = (yy >= 0) & (yy < S) & (xx >= 0) & (xx < S) & (ww != 0)
            rows.append(np.arange(S * S)[ok])
            cols.append(yy[ok] * S + xx[ok])
            vals.append(ww[ok])
        t = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(S * S, S * S))
        blocks.append(pool @ t)
    return sp.vstack(blocks).tocsr()


def grad_np(v):
    gx = np.zeros_like(v)
    gy = np.zeros_like(v)
    gx[:, :-1] = v[:, 1:] - v[:, :-1]
    gy[:-1, :] = v[1:, :] - v[:-1, :]
    return gx, gy


def grad_adjoint_np(px, py):
    out = np.zeros_like(px)
    out[:, :-1] -= px[:, :-1]
    out[:, 1:] += px[:, :-1]
    out[:-1, :] -= py[:-1, :]
    out[1:, :] += py[:-1, :]
    return out


def chambolle_pock(A, g, lam_tv, lam_e, iterations):
    """Accelerated PDHG (Chambolle and Pock 2011, alg. 2; G = lam_e ||v||^2 is 2 lam_e strongly convex), with
    per-block dual steps tau * (s_a ||A||^2 + s_g ||grad||^2) < 1, ||grad||^2 <= 8."""
    g = g.ravel()
    x = np.ones(S * S)
    for _ in range(60):  # ||A||^2 by power iteration
        x = A.T @ (A @ x)
        la = np.linalg.norm(x)
        x /= la
    la *= 1.02
    tau = 1.0
    s_a, s_g = 0.99 / (2 * tau * la), 0.99 / (2 * tau * 8)
    gamma = 2 * lam_e
    v = np.zeros((S, S))
    vb = v.copy()
    y1 = np.zeros_like(g)
    px = np.zeros((S, S))
    py = np.zeros((S, S))
    for _ in range(iterations):
        y1 = (y1 + s_a * (A @ vb.ravel() - g)) / (1 + s_a / 2)
        gx, gy = grad_np(vb)
        px = np.clip(px + s_g * gx, -lam_tv, lam_tv)
        py = np.clip(py + s_g * gy, -lam_tv, lam_tv)
        vo = v
        v = (v - tau * ((A.T @ y1).reshape(S, S) + grad_adjoint_np(px, py))) / (1 + 2 * tau * lam_e)
        th = 1 / math.sqrt(1 + 2 * gamma * tau)
        tau, s_a, s_g = tau * th, s_a / th, s_g / th
        vb = v + th * (v - vo)
    r = A @ v.ravel() - g
    gx, gy = grad_np(v)
    primal = float(r @ r + lam_tv * (np.abs(gx).sum() + np.abs(gy).sum()) + lam_e * (v * v).sum())
    w = (A.T @ y1).reshape(S, S) + grad_adjoint_np(px, py)
    dual = float(-(y1 @ g) - (y1 @ y1) / 4 - (w * w).sum() / (4 * lam_e))
    return v, primal, dual


def seed_parity(src, dst):
    """The seed's solver on an operator given as CSR arrays (row_start, column, weight: float32) with observations
    g (N x h x h), in PyTorch, every sum in a fixed order: A v and A* r by index_add_ over the entries in order (one
    sequential pass on the CPU), the TV signs in four whole-plane passes (+x, -x, +y, -y), then 2 lambda_e v, then
    TF1's Adam update. The seed's solver turns rounding differences into different results (Adam lifts a 1e-16
    speck of gradient to a 1e-11 step, which breaks a tie that TV's sign(0) = 0 then turns into a whole step),
    so a parity test needs the same operator and the same order of operations; the operator itself is checked
    separately against grid_sample."""
    d = np.load(src)
    row_start = torch.from_numpy(d["row_start"].astype(np.int64))
    col = torch.from_numpy(d["column"].astype(np.int64))
    w = torch.from_numpy(d["weight"].astype(np.float64))
    g = torch.from_numpy(d["g"].astype(np.float64)).reshape(-1)
    n_copies, s = d["g"].shape[0], int(d["size"][0])
    rows = torch.repeat_interleave(torch.arange(len(row_start) - 1), row_start[1:] - row_start[:-1])
    lam_tv, lam_e = 0.002 * n_copies, 0.0001 * n_copies

    def apply(v):
        return torch.zeros(len(row_start) - 1).index_add_(0, rows, w * v[col])

    def adjoint(r):
        return torch.zeros(s * s).index_add_(0, col, w * r[rows])

    def grad(v):
        r = 2 * (apply(v) - g)
        G = adjoint(r).reshape(s, s)
        V = v.reshape(s, s)
        G[:, 1:] += lam_tv * torch.sign(V[:, 1:] - V[:, :-1])
        G[:, :-1] -= lam_tv * torch.sign(V[:, 1:] - V[:, :-1])
        G[1:, :] += lam_tv * torch.sign(V[1:, :] - V[:-1, :])
        G[:-1, :] -= lam_tv * torch.sign(V[1:, :] - V[:-1, :])
        return G.reshape(-1) + 2 * lam_e * v

    v = torch.zeros(s * s)
    m = torch.zeros(s * s)
    sq = torch.zeros(s * s)
    b1t = b2t = 1.0
    for t in range(1, STEPS + 1):
        gr = grad(v)
        b1t *= B1
        b2t *= B2
        lr_t = LR * math.sqrt(1 - b2t) / (1 - b1t)
        m = B1 * m + (1 - B1) * gr
        sq = B2 * sq + (1 - B2) * gr * gr
        v = v - lr_t * m / (torch.sqrt(sq) + EPS)
    r = apply(v) - g
    V = v.reshape(s, s)
    obj = float((r * r).sum() + lam_tv * tv(V) + lam_e * (v * v).sum())
    np.savez(dst, seed_v=V.numpy().astype(np.float32), seed_objective=np.array([obj], dtype=np.float32))
    print(f"seed-mode objective {obj:.10g}")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--seed-parity":
        torch.set_num_threads(1)
        seed_parity(sys.argv[2], sys.argv[3])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?")
    ap.add_argument("--out", help="folder to write ref_augmented.npz into")
    ap.add_argument("--iterations", type=int, default=8000)
    args = ap.parse_args()
    if args.file is None and args.out is None:
        ap.error("give OUT.npz or --out DIR")
    if args.out is not None:

        os.makedirs(args.out, exist_ok=True)
    target = args.file if args.file is not None else os.path.join(args.out, "ref_augmented.npz")
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    rng = np.random.default_rng(SEED)
    angles, shifts = make_warps(rng)
    angles = angles.astype(np.float32).astype(np.float64)
    shifts = shifts.astype(np.float32).astype(np.float64)
    grid = grids(angles, shifts)
    truth = truth_map().float().double()
    obs_area = d_area(warp(truth, grid))
    obs_point = d_point(warp(truth, grid))
    mx = obs_area.amax(dim=(1, 2), keepdim=True)
    g = torch.where(mx > 0, obs_area / mx.clamp_min(1e-300), torch.zeros_like(obs_area)).float().double()
    lam_tv, lam_e = 0.002 * N, 0.0001 * N

    P = sparse_operator(angles, shifts, area=False).tocoo()
    err = np.abs(P @ truth.numpy().ravel() - obs_point.numpy().ravel()).max()
    assert err < 1e-10, f"sparse point operator disagrees with the grid_sample path by {err}"
    Pt = torch.sparse_coo_tensor(np.vstack([P.row, P.col]), P.data, P.shape).coalesce()
    seed_v = seed_adam(Pt, g, lam_tv, lam_e)
    seed_obj = float(objective(seed_v, grid, g, d_point, lam_tv, lam_e))
    A = sparse_operator(angles, shifts, area=True)
    err = np.abs(A @ truth.numpy().ravel() - obs_area.numpy().ravel()).max()
    assert err < 1e-10, f"sparse operator disagrees with the grid_sample path by {err}"
    ref_v, ref_obj, ref_dual = chambolle_pock(A, g.numpy(), lam_tv, lam_e, args.iterations)
    ref_gap = (ref_obj - ref_dual) / ref_obj
    check = float(objective(torch.from_numpy(ref_v), grid, g, d_area, lam_tv, lam_e))
    assert abs(check - ref_obj) <= 1e-9 * ref_obj, f"objective {check} by grid_sample, {ref_obj} by the sparse operator"
    truth_obj = float(objective(truth, grid, g, d_area, lam_tv, lam_e))
    print(f"seed objective {seed_obj:.10g}; reference objective {ref_obj:.10g} (gap {ref_gap:.2e}); at truth {truth_obj:.6g}")
    f32 = lambda a: np.asarray(a, dtype=np.float32)
    np.savez(target, angles=f32(angles), shifts=f32(shifts), truth=f32(truth.numpy()), obs_area=f32(obs_area.numpy()),
             obs_point=f32(obs_point.numpy()), g=f32(g.numpy()), seed_v=f32(seed_v.numpy()), seed_objective=f32([seed_obj]),
             ref_v=f32(ref_v), ref_objective=f32([ref_obj]), ref_dual=f32([ref_dual]), ref_gap=f32([ref_gap]),
             ref_objective_truth=f32([truth_obj]), lambda_tv=f32([lam_tv]), lambda_e=f32([lam_e]))


if __name__ == "__main__":
    main()
