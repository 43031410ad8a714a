package org.gradcam4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import org.gradcam4j.explain.Prediction;
import org.gradcam4j.image.ResizeMode;
import org.gradcam4j.model.Model;
import org.gradcam4j.model.Preprocessing;

/** The JSON shapes shared by {@code classify --json} and {@code summary.json}. Numbers that are not finite become null. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    static ObjectNode object() { return MAPPER.createObjectNode(); }

    static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    static void put(ObjectNode o, String key, float v) {
        if (Float.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    static ObjectNode model(Model m) {
        ObjectNode o = object();
        o.put("architecture", m.architecture().name());
        o.put("source", m.source());
        o.put("inputSize", m.architecture().inputSize());
        o.put("classes", m.architecture().numClasses());
        return o;
    }

    static ObjectNode preprocessing(Preprocessing p, ResizeMode resize, int inputSize) {
        ObjectNode o = object();
        o.put("resize", resize.toString());
        o.put("inputSize", inputSize);
        o.put("channelOrder", p.channelOrder().name());
        put(o, "scale", p.scale());
        ArrayNode mean = o.putArray("mean"), std = o.putArray("std");
        for (float v : p.mean()) mean.add(v);
        for (float v : p.std()) std.add(v);
        o.put("formula", "x = (pixel * scale - mean[c]) / std[c], pixel in 0..255, c in channelOrder");
        return o;
    }

    static ArrayNode predictions(List<Prediction> predictions) {
        ArrayNode a = MAPPER.createArrayNode();
        int rank = 1;
        for (Prediction p : predictions) {
            ObjectNode o = a.addObject();
            o.put("rank", rank++);
            o.put("index", p.index());
            o.put("id", p.id());
            o.put("name", p.name());
            put(o, "probability", p.probability());
            put(o, "logit", p.logit());
        }
        return a;
    }

    static String lower(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }
}
