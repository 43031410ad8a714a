package org.gradcam4j.train;

import org.gradcam4j.InvalidInputException;
import java.util.Map;

/**
 * A first-order optimizer over named float32 parameters, with PyTorch's update rules (so a step here and in
 * {@code torch.optim} give the same parameters; {@code tools/ref_train.py} checks it). Arithmetic is in double,
 * rounded to float32 once per stored value, as torch does in float32 with a different order (differences ~1e-7).
 * State is keyed by the parameter name; {@link #state()} and {@link #restore} let training resume exactly.
 */
public sealed interface Optimizer permits Optimizer.Sgd, Optimizer.Adam {

    /** Updates {@code params} in place from {@code grads} (same keys, same sizes). */
    void step(Map<String, float[]> params, Map<String, float[]> grads);

    /** The state tensors (momentum buffers, moment estimates), keyed {@code <kind>:<param>}. */
    Map<String, float[]> state();

    /** Steps taken so far (Adam's bias correction needs it). */
    long steps();

    /** Restores the state written by {@link #state()} after {@code steps} steps. */
    void restore(Map<String, float[]> state, long steps);

    String describe();

    /**
     * torch.optim.SGD: {@code g += wd * p; buf = momentum * buf + g} (buf = g on the first step, no dampening);
     * {@code p -= lr * buf}.
     */
    final class Sgd implements Optimizer {
        private final double lr, momentum, weightDecay;
        private final Map<String, float[]> buf = new java.util.LinkedHashMap<>();
        private long steps;

        public Sgd(double lr, double momentum, double weightDecay) {
            if (!(lr > 0) || momentum < 0 || momentum >= 1 || weightDecay < 0) {
                throw new InvalidInputException("SGD needs lr > 0, 0 <= momentum < 1, weight decay >= 0");
            }
            this.lr = lr;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
        }

        @Override
        public void step(Map<String, float[]> params, Map<String, float[]> grads) {
            for (Map.Entry<String, float[]> e : grads.entrySet()) {
                float[] p = params.get(e.getKey()), g = e.getValue();
                float[] b = momentum > 0 ? buf.get(e.getKey()) : null;
                boolean first = momentum > 0 && b == null;
                if (first) { b = new float[p.length]; buf.put(e.getKey(), b); }
                for (int i = 0; i < p.length; i++) {
                    double d = g[i] + weightDecay * p[i];
                    if (momentum > 0) {
                        b[i] = (float) (first ? d : momentum * b[i] + d);
                        d = b[i];
                    }
                    p[i] = (float) (p[i] - lr * d);
                }
            }
            steps++;
        }

        @Override
        public Map<String, float[]> state() {
            Map<String, float[]> s = new java.util.LinkedHashMap<>();
            buf.forEach((k, v) -> s.put("momentum:" + k, v));
            return s;
        }

        @Override
        public void restore(Map<String, float[]> state, long steps) {
            buf.clear();
            state.forEach((k, v) -> {
                if (!k.startsWith("momentum:")) throw new InvalidInputException("state '" + k + "' is not SGD's (an Adam checkpoint?)");
                buf.put(k.substring("momentum:".length()), v.clone());
            });
            this.steps = steps;
        }

        @Override public long steps() { return steps; }

        @Override
        public String describe() { return "sgd(lr " + lr + ", momentum " + momentum + ", weight decay " + weightDecay + ")"; }
    }

    /**
     * torch.optim.Adam (not AdamW): {@code g += wd * p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}.
     */
    final class Adam implements Optimizer {
        private final double lr, beta1, beta2, eps, weightDecay;
        private final Map<String, float[]> m = new java.util.LinkedHashMap<>(), v = new java.util.LinkedHashMap<>();
        private long steps;

        public Adam(double lr, double beta1, double beta2, double eps, double weightDecay) {
            if (!(lr > 0) || beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || !(eps > 0) || weightDecay < 0) {
                throw new InvalidInputException("Adam needs lr > 0, betas in [0, 1), eps > 0, weight decay >= 0");
            }
            this.lr = lr;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
        }

        public Adam(double lr) { this(lr, 0.9, 0.999, 1e-8, 0); }

        @Override
        public void step(Map<String, float[]> params, Map<String, float[]> grads) {
            steps++;
            double bc1 = 1 - Math.pow(beta1, steps), bc2 = 1 - Math.pow(beta2, steps);
            double stepSize = lr / bc1, sqrtBc2 = Math.sqrt(bc2);
            for (Map.Entry<String, float[]> e : grads.entrySet()) {
                float[] p = params.get(e.getKey()), g = e.getValue();
                float[] mk = m.computeIfAbsent(e.getKey(), k -> new float[p.length]);
                float[] vk = v.computeIfAbsent(e.getKey(), k -> new float[p.length]);
                for (int i = 0; i < p.length; i++) {
                    double d = g[i] + weightDecay * p[i];
                    mk[i] = (float) (beta1 * mk[i] + (1 - beta1) * d);
                    vk[i] = (float) (beta2 * vk[i] + (1 - beta2) * d * d);
                    p[i] = (float) (p[i] - stepSize * mk[i] / (Math.sqrt(vk[i]) / sqrtBc2 + eps));
                }
            }
        }

        @Override
        public Map<String, float[]> state() {
            Map<String, float[]> s = new java.util.LinkedHashMap<>();
            m.forEach((k, x) -> s.put("adam_m:" + k, x));
            v.forEach((k, x) -> s.put("adam_v:" + k, x));
            return s;
        }

        @Override
        public void restore(Map<String, float[]> state, long steps) {
            m.clear();
            v.clear();
            state.forEach((k, x) -> {
                if (k.startsWith("adam_m:")) m.put(k.substring(7), x.clone());
                else if (k.startsWith("adam_v:")) v.put(k.substring(7), x.clone());
                else throw new InvalidInputException("state '" + k + "' is not Adam's (an SGD checkpoint?)");
            });
            this.steps = steps;
        }

        @Override public long steps() { return steps; }

        @Override
        public String describe() { return "adam(lr " + lr + ", betas " + beta1 + "/" + beta2 + ", eps " + eps + ", weight decay " + weightDecay + ")"; }
    }
}
