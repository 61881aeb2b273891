package com.tencent.cloud.cos.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON helpers under the vendor SDK's name {@code com.tencent.cloud.cos.util.Jackson}, so code that
 * prints a {@link com.tencent.cloud.Response} or serialises a {@link com.tencent.cloud.Policy} with
 * them compiles unchanged. The binding's own JSON does not go through this mapper.
 *
 * <p>Errors are {@link IllegalStateException}s that name the type, never the text or value (it may
 * hold a secret).
 */
public final class Jackson {
    private Jackson() {}

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    private static final ObjectWriter WRITER = MAPPER.writer();
    private static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();

    /** {@code value} as indented JSON. */
    public static String toJsonPrettyString(Object value) {
        try {
            return PRETTY.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw cannotWrite(value);
        }
    }

    /** {@code value} as compact JSON. */
    public static String toJsonString(Object value) {
        try {
            return WRITER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw cannotWrite(value);
        }
    }

    /** {@code json} read into a {@code clazz} (unknown properties are ignored). */
    public static <T> T fromJsonString(String json, Class<T> clazz) {
        try {
            return MAPPER.readValue(json, clazz);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not JSON of a " + clazz.getName() + where(e));
        }
    }

    /** {@code json} as a tree. */
    public static JsonNode jsonNodeOf(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not valid JSON" + where(e));
        }
    }

    /** A copy of the mapper these helpers use: configuring it changes nothing here. */
    public static ObjectMapper getObjectMapper() {
        return MAPPER.copy();
    }

    public static ObjectWriter getWriter() {
        return WRITER;
    }

    public static ObjectWriter getPrettywriter() {
        return PRETTY;
    }

    private static IllegalStateException cannotWrite(Object value) {
        return new IllegalStateException("cannot write a " + (value == null ? "null" : value.getClass().getName()) + " as JSON");
    }

    private static String where(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
