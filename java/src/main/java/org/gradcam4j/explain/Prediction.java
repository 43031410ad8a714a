package org.gradcam4j.explain;

/** One class the network predicts for an image. */
public record Prediction(int index, String id, String name, float probability, float logit) {}
