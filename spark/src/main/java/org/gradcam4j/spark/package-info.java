/** Spark integration: the {@code ExplainJob} batch job and the Spark ML {@code GradCamTransformer} (docs/SPARK.md). */
package org.gradcam4j.spark;
