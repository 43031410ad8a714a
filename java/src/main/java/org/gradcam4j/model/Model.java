package org.gradcam4j.model;

/**
 * A complete, self-describing network: its layer table, the preprocessing its weights expect, its
 * class labels and its parameters. Everything downstream takes a {@code Model}.
 *
 * @param source a short description of where the weights came from (file name and format), for reports
 */
public record Model(Architecture architecture, Preprocessing preprocessing, ClassLabels labels, ModelWeights weights,
                    String source) {
    public Model {
        if (architecture.head() != Head.NONE && labels.size() != architecture.numClasses()) {
            throw new IllegalArgumentException("model has " + architecture.numClasses() + " classes but " + labels.size() + " labels");
        }
        weights.validate(architecture, source);
    }
}
