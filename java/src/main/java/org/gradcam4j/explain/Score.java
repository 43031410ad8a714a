package org.gradcam4j.explain;

import org.gradcam4j.InvalidInputException;
import java.util.Locale;

/** What is explained: the class logit (default, as every seed does) or its softmax probability. */
public enum Score {
    LOGIT, PROBABILITY;

    public static Score parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "logit" -> LOGIT;
            case "probability", "prob", "softmax" -> PROBABILITY;
            default -> throw new InvalidInputException("unknown score '" + s + "' (expected logit or probability)");
        };
    }
}
