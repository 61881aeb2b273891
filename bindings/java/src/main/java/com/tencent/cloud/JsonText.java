package com.tencent.cloud;

import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The binding's JSON, through Jackson: values the user gives go to libsts as JSON, libsts's answers
 * come back as {@link JsonNode}s. It converts; it never judges a value (libsts does, with its own
 * message). It refuses only what JSON cannot carry (a value Jackson has no serializer for, a string
 * with an unpaired surrogate, a map that contains itself), naming the field.
 *
 * <p>Messages never quote a value or Jackson's own message: both may hold a secret.
 */
final class JsonText {
    private JsonText() {}

    /**
     * One mapper for the binding, never handed out (a caller reconfiguring it would change what is
     * sent). A duplicate key in a JSON text the user gives (a condition) is an error, not a silent
     * overwrite that drops a limit.
     */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(new SimpleModule("libsts-finite-numbers")
                    .addSerializer(Double.class, new FiniteSerializer<>(Double.class))
                    .addSerializer(Double.TYPE, new FiniteSerializer<>(Double.TYPE))
                    .addSerializer(Float.class, new FiniteSerializer<>(Float.class))
                    .addSerializer(Float.TYPE, new FiniteSerializer<>(Float.TYPE)))
            .build();

    /** Jackson would write NaN and infinity as the strings "NaN" and "Infinity": refused instead. */
    private static final class FiniteSerializer<T extends Number> extends StdSerializer<T> {
        private static final long serialVersionUID = 1L;

        FiniteSerializer(Class<T> type) {
            super(type);
        }

        @Override
        public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            double d = value.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NonFinite(gen);
            }
            if (value instanceof Float) {
                gen.writeNumber(value.floatValue());
            } else {
                gen.writeNumber(d);
            }
        }
    }

    private static final class NonFinite extends JsonGenerationException {
        private static final long serialVersionUID = 1L;

        NonFinite(JsonGenerator gen) {
            super("NaN and infinity are not JSON numbers", gen);
        }
    }

    /** Writes JSON objects field by field, so that two spellings of one key both reach libsts. */
    static final class ObjectWriter {
        private final StringWriter out = new StringWriter(512);
        private final JsonGenerator gen;
        /** The fields written, to name the one with an unpaired surrogate (the error path only). */
        private final List<Object[]> fields = new ArrayList<>();

        ObjectWriter() {
            try {
                gen = MAPPER.getFactory().createGenerator(out);
                gen.writeStartObject();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start a JSON text", e);
            }
        }

        /** {@code "name": value}; {@code field} names the value in an error. */
        ObjectWriter field(String name, Object value, String field) {
            try {
                gen.writeFieldName(name);
                MAPPER.writeValue(gen, value);
            } catch (IOException | StackOverflowError e) {
                throw refusal(field, value, e);
            }
            fields.add(new Object[] {value, field});
            return this;
        }

        String finish() {
            try {
                gen.writeEndObject();
                gen.close();
            } catch (IOException e) {
                throw new IllegalStateException("cannot finish a JSON text", e);
            }
            String json = out.toString();
            if (hasUnpairedSurrogate(json)) {
                for (Object[] f : fields) {
                    write(f[0], (String) f[1]); // throws for the first field that has one
                }
                throw StsInvalidArgumentException.of("config", UNPAIRED);
            }
            return json;
        }
    }

    private static final String UNPAIRED = "string has an unpaired UTF-16 surrogate";

    /** {@code value} as JSON text; {@code field} names it in an error. */
    static String write(Object value, String field) {
        String json;
        try {
            json = MAPPER.writeValueAsString(value);
        } catch (IOException | StackOverflowError e) {
            throw refusal(field, value, e);
        }
        if (hasUnpairedSurrogate(json)) {
            throw StsInvalidArgumentException.of(field, UNPAIRED);
        }
        return json;
    }

    /**
     * Whether the text holds half a surrogate pair. Jackson's Writer output keeps strings as Java
     * chars, and UTF-8 encoding (LibSts.cString) would silently turn an unpaired surrogate into
     * {@code ?}: refused instead.
     */
    static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static StsInvalidArgumentException refusal(String field, Object value, Throwable e) {
        // Where inside the value: Jackson's reference path holds map keys and list indexes only.
        StringBuilder path = new StringBuilder(field);
        if (e instanceof JsonMappingException) {
            for (JsonMappingException.Reference ref : ((JsonMappingException) e).getPath()) {
                if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                } else if (ref.getFieldName() != null) {
                    path.append('.').append(ref.getFieldName());
                }
            }
        }
        // A map that contains itself gives a path a thousand keys long.
        field = path.length() > 120 ? path.substring(0, 120) + "..." : path.toString();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof NonFinite) {
                return StsInvalidArgumentException.of(field, "NaN and infinity are not JSON numbers");
            }
            if (cause instanceof StreamConstraintsException || cause instanceof StackOverflowError) {
                return StsInvalidArgumentException.of(field,
                        "nested too deeply to be written as JSON (a value that contains itself?)");
            }
        }
        Class<?> type = value == null ? null : value.getClass();
        if (e instanceof InvalidDefinitionException && ((InvalidDefinitionException) e).getType() != null) {
            type = ((InvalidDefinitionException) e).getType().getRawClass();
        }
        return StsInvalidArgumentException.of(field, "unsupported type " + (type == null ? "null" : type.getName())
                + " (not a string, number, boolean, list, array or map)");
    }

    /**
     * A JSON text the user gave (a condition): parsed, or refused naming {@code field} and the
     * position, never the text.
     */
    static JsonNode parseUserText(String text, String field) {
        try {
            JsonNode node = MAPPER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw StsInvalidArgumentException.of(field, "not valid JSON (empty)");
            }
            return node;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw StsInvalidArgumentException.of(field, "not valid JSON" + where);
        }
    }

    /** libsts's answer; an unreadable one is a bug there, reported without its text (a secret). */
    static JsonNode parseAnswer(String json) {
        try {
            JsonNode node = MAPPER.readTree(json);
            if (node == null || !node.isObject()) {
                throw new IllegalStateException("libsts returned an answer that is not a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("libsts returned an unreadable answer");
        }
    }

    /** The text of {@code node}, or null when it is missing or JSON null. */
    static String text(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node.asText();
    }
}
