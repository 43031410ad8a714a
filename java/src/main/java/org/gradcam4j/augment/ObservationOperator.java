package org.gradcam4j.augment;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The forward model of heat-map super-resolution, {@code A = [D T_1; ...; D T_N]}: an {@code S x S} map to
 * {@code N} observed {@code h x h} maps, one per augmented copy. Each row (one cell of one copy) is the
 * composition of the downsampling cell's taps with the warp's bilinear taps, merged per source pixel and stored
 * once as a sparse matrix (CSR, float weights, double accumulation): for area downsampling at 224 to 14 a row
 * has about 300 entries, so {@code A v} and {@code A* y} cost about {@code 2 * 300 * 196 * N} flops, several
 * times less than warping whole planes on every application.
 *
 * <p>{@link #apply} and {@link #adjoint} read the same stored weights, so they are exact adjoints of each other
 * up to the rounding of double sums. Thread-safe ({@code apply} and {@code adjoint} may run concurrently; the
 * transposed matrix and {@code ||A||^2} are computed once, on first use).
 */
public final class ObservationOperator {
    private final int size, cells, copies;
    private final Downsampling downsampling;
    private final int[] rowStart;  // (N h h + 1)
    private final int[] column;    // (nnz) source pixel index row * S + col
    private final float[] weight;  // (nnz)

    private ObservationOperator(int size, int cells, Downsampling d, int copies, int[] rowStart, int[] column, float[] weight) {
        this.size = size;
        this.cells = cells;
        this.downsampling = d;
        this.copies = copies;
        this.rowStart = rowStart;
        this.column = column;
        this.weight = weight;
    }

    /**
     * Composes {@code D T_l} for every warp.
     *
     * @param warps  the copies' warps, all on {@code S x S} planes
     * @param cells  the low-resolution side {@code h}
     */
    public static ObservationOperator of(List<AffineWarp> warps, int cells, Downsampling downsampling) {
        if (warps.isEmpty()) throw new IllegalArgumentException("no warps");
        int size = warps.get(0).size();
        for (AffineWarp w : warps) {
            if (w.size() != size) throw new IllegalArgumentException("warps of different sizes: " + w.size() + " and " + size);
        }
        downsampling.factor(size, cells); // validates
        int n = warps.size(), hh = cells * cells;
        // per copy: its rows' entries, built independently (in parallel), then concatenated in copy order
        int[][] starts = new int[n][];
        int[][] cols = new int[n][];
        float[][] vals = new float[n][];
        IntStream.range(0, n).parallel().forEach(l -> {
            CopyRows r = buildCopy(warps.get(l), cells, downsampling);
            starts[l] = r.start;
            cols[l] = r.col;
            vals[l] = r.val;
        });
        long nnz = 0;
        for (int l = 0; l < n; l++) nnz += cols[l].length;
        if (nnz > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("observation operator too large: " + nnz + " entries");
        int[] rowStart = new int[n * hh + 1];
        int[] column = new int[(int) nnz];
        float[] weight = new float[(int) nnz];
        int at = 0;
        for (int l = 0; l < n; l++) {
            for (int r = 0; r < hh; r++) rowStart[l * hh + r] = at + starts[l][r];
            System.arraycopy(cols[l], 0, column, at, cols[l].length);
            System.arraycopy(vals[l], 0, weight, at, vals[l].length);
            at += cols[l].length;
        }
        rowStart[n * hh] = at;
        return new ObservationOperator(size, cells, downsampling, n, rowStart, column, weight);
    }

    private record CopyRows(int[] start, int[] col, float[] val) {}

    /** The rows of one copy: for each cell, the warp taps of every pixel the cell reads, merged in a dense window. */
    private static CopyRows buildCopy(AffineWarp warp, int cells, Downsampling d) {
        int size = warp.size(), hh = cells * cells;
        int maxCell = d.maxTaps(size, cells);
        int[] cellIdx = new int[maxCell];
        double[] cellW = new double[maxCell];
        int[] tapIdx = new int[4];
        double[] tapW = new double[4];
        int[] start = new int[hh + 1];
        int cap = hh * 64;
        int[] col = new int[cap];
        float[] val = new float[cap];
        int nnz = 0;
        double[] window = new double[0];
        for (int i = 0; i < cells; i++) {
            for (int j = 0; j < cells; j++) {
                start[i * cells + j] = nnz;
                int nc = d.cellTaps(size, cells, i, j, cellIdx, cellW);
                // bounding box of every source pixel this cell touches
                int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
                for (int c = 0; c < nc; c++) {
                    int px = cellIdx[c] % size, py = cellIdx[c] / size;
                    int nt = warp.taps(px, py, tapIdx, tapW);
                    for (int t = 0; t < nt; t++) {
                        int sx = tapIdx[t] % size, sy = tapIdx[t] / size;
                        minX = Math.min(minX, sx);
                        maxX = Math.max(maxX, sx);
                        minY = Math.min(minY, sy);
                        maxY = Math.max(maxY, sy);
                    }
                }
                if (maxX < 0) continue; // the cell sees only zero fill: an empty row
                int bw = maxX - minX + 1, bh = maxY - minY + 1;
                if (window.length < bw * bh) window = new double[bw * bh];
                Arrays.fill(window, 0, bw * bh, 0);
                for (int c = 0; c < nc; c++) {
                    int px = cellIdx[c] % size, py = cellIdx[c] / size;
                    int nt = warp.taps(px, py, tapIdx, tapW);
                    for (int t = 0; t < nt; t++) {
                        int sx = tapIdx[t] % size, sy = tapIdx[t] / size;
                        window[(sy - minY) * bw + (sx - minX)] += cellW[c] * tapW[t];
                    }
                }
                // emit in increasing column order (row-major window scan)
                for (int y = 0; y < bh; y++) {
                    for (int x = 0; x < bw; x++) {
                        double w = window[y * bw + x];
                        if (w == 0) continue;
                        if (nnz == col.length) {
                            col = Arrays.copyOf(col, col.length * 2);
                            val = Arrays.copyOf(val, val.length * 2);
                        }
                        col[nnz] = (minY + y) * size + (minX + x);
                        val[nnz++] = (float) w;
                    }
                }
            }
        }
        start[hh] = nnz;
        return new CopyRows(start, Arrays.copyOf(col, nnz), Arrays.copyOf(val, nnz));
    }

    public int size() { return size; }
    public int cells() { return cells; }
    public int copies() { return copies; }
    public Downsampling downsampling() { return downsampling; }
    /** Rows: {@code N * h * h}. */
    public int rows() { return rowStart.length - 1; }
    /** Columns: {@code S * S}. */
    public int columns() { return size * size; }
    /** Stored entries. */
    public int entries() { return column.length; }

    /** (rows + 1) where each row's entries start, for exporting the matrix (tests, a device solver). */
    int[] rowStarts() { return rowStart.clone(); }
    /** (entries) the source pixel of each entry. */
    int[] columnIndices() { return column.clone(); }
    /** (entries) the weight of each entry. */
    float[] weights() { return weight.clone(); }

    /**
     * {@code out = A v}.
     *
     * @param v   (S x S)
     * @param out (N x h x h), overwritten
     */
    public void apply(double[] v, double[] out) { applyRows(v, out, 0, rows()); }

    /** {@link #apply} with the rows split over two threads (identical sums): for a solve that has the machine to itself. */
    public void apply(double[] v, double[] out, boolean twoThreads) {
        if (!twoThreads) {
            apply(v, out);
            return;
        }
        int mid = rows() / 2;
        TwoThreads.run(() -> applyRows(v, out, 0, mid), () -> applyRows(v, out, mid, rows()));
    }

    private void applyRows(double[] v, double[] out, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            double s = 0;
            for (int k = rowStart[r], e = rowStart[r + 1]; k < e; k++) s += weight[k] * v[column[k]];
            out[r] = s;
        }
    }

    /**
     * {@code out = A* y}.
     *
     * @param y   (N x h x h)
     * @param out (S x S), overwritten
     */
    public void adjoint(double[] y, double[] out) { adjointColumns(y, out, 0, columns()); }

    /** {@link #adjoint} with the pixels split over two threads (identical sums). */
    public void adjoint(double[] y, double[] out, boolean twoThreads) {
        if (!twoThreads) {
            adjoint(y, out);
            return;
        }
        transposed();  // built once, before the halves start
        int mid = columns() / 2;
        TwoThreads.run(() -> adjointColumns(y, out, 0, mid), () -> adjointColumns(y, out, mid, columns()));
    }

    private void adjointColumns(double[] y, double[] out, int c0, int c1) {
        // A gather over the transposed matrix: for each pixel its entries in increasing row order, which is the
        // order a scatter over the rows adds them in, so the sums are the same to the bit; without the scattered
        // writes it runs faster.
        Transposed t = transposed();
        for (int c = c0; c < c1; c++) {
            double s = 0;
            for (int k = t.start[c], e = t.start[c + 1]; k < e; k++) {
                double v = y[t.row[k]];
                if (v != 0) s += t.weight[k] * v;
            }
            out[c] = s;
        }
    }

    /** The matrix by columns: for each pixel, the rows that read it (increasing) and their weights. */
    private record Transposed(int[] start, int[] row, float[] weight) {}

    private volatile Transposed transposed;

    private Transposed transposed() {
        Transposed t = transposed;
        if (t != null) return t;
        synchronized (this) {
            if (transposed != null) return transposed;
            int cols = columns(), rows = rows(), nnz = rowStart[rows];
            int[] start = new int[cols + 1];
            for (int k = 0; k < nnz; k++) start[column[k] + 1]++;
            for (int c = 0; c < cols; c++) start[c + 1] += start[c];
            int[] next = Arrays.copyOf(start, cols);
            int[] row = new int[nnz];
            float[] w = new float[nnz];
            for (int r = 0; r < rows; r++) {
                for (int k = rowStart[r], e = rowStart[r + 1]; k < e; k++) {
                    int at = next[column[k]]++;
                    row[at] = r;
                    w[at] = weight[k];
                }
            }
            transposed = t = new Transposed(start, row, w);
            return t;
        }
    }

    /**
     * An estimate of {@code ||A||^2} (the largest eigenvalue of {@code A* A}) by power iteration from a seeded
     * random start. Power iteration approaches from below; callers add a margin.
     *
     * @param iterations at least 1; the estimate's relative error falls like {@code (l2/l1)^(2k)}
     */
    public double normSquared(int iterations) {
        // The classes of one image share this operator and each solve asks: compute once per iteration count.
        synchronized (normCache) {
            return normCache.computeIfAbsent(iterations, this::powerIteration);
        }
    }

    private final java.util.Map<Integer, Double> normCache = new java.util.HashMap<>();

    private double powerIteration(int iterations) {
        double[] x = powerStart(columns()), ax = new double[rows()], y = new double[columns()];
        double lambda = 0;
        for (int k = 0; k < Math.max(1, iterations); k++) {
            apply(x, ax);
            adjoint(ax, y);
            lambda = Math.sqrt(dot(y, y));
            if (lambda == 0) return 0;
            for (int i = 0; i < x.length; i++) x[i] = y[i] / lambda;
        }
        return lambda;
    }

    /** The power iteration's normalised, seeded, positive start (close to the top eigenvector of this non-negative operator). */
    static double[] powerStart(int n) {
        double[] x = new double[n];
        SplittableRandom r = new SplittableRandom(12345);
        for (int i = 0; i < n; i++) x[i] = r.nextDouble() + 0.5;
        normalise(x);
        return x;
    }

    private static void normalise(double[] x) {
        double n = Math.sqrt(dot(x, x));
        for (int i = 0; i < x.length; i++) x[i] /= n;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
