package com.tencent.cloud;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON writer and reader (RFC 8259), so the binding needs no JSON library.
 *
 * <p>Writer: {@code null}, {@link CharSequence}, {@link Character}, {@link Boolean}, integral
 * {@link Number}s, finite floating-point numbers, {@link Map} with string keys, {@link Iterable} and
 * arrays (object or primitive). It refuses only what JSON cannot carry faithfully, with a
 * {@link StsInvalidArgumentException} naming the field ({@code path: problem}): another type, NaN or
 * infinity, a string with an unpaired surrogate (UTF-8 encoding would silently turn it into
 * {@code ?}), a value that contains itself. Control characters are escaped, not refused: the core
 * judges them, as every other rule about values.
 *
 * <p>Reader: objects become {@link LinkedHashMap} (a duplicate key is an error), arrays
 * {@link ArrayList}, integers {@link Long} (or {@link BigInteger} when they do not fit), other
 * numbers {@link Double}, plus {@link String}, {@link Boolean} and {@code null}.
 *
 * <p>Error messages never quote the input: it may hold a secret.
 */
final class Json {
    private Json() {}

    /** The reader's bound on nesting (results and condition texts are a few levels deep). */
    private static final int MAX_DEPTH = 128;

    /**
     * The writer's bound, only so that a map or list that contains itself ends in an error instead
     * of a StackOverflowError; the core refuses deep nesting with its own message long before.
     */
    private static final int MAX_WRITE_DEPTH = 1000;

    // ------------------------------------------------------------------ writer

    static String write(Object value) {
        return write(value, "value");
    }

    /** {@code value} as JSON; {@code path} names it in error messages. */
    static String write(Object value, String path) {
        StringBuilder sb = new StringBuilder(256);
        write(sb, value, path, 0);
        return sb.toString();
    }

    /** Appends {@code value}; {@code path} names it in error messages (a key path, never a value). */
    static void write(StringBuilder sb, Object value, String path, int depth) {
        if (depth > MAX_WRITE_DEPTH) {
            throw StsInvalidArgumentException.of(abbreviate(path),
                    "nested more than " + MAX_WRITE_DEPTH + " levels deep (a value that contains itself?)");
        }
        if (value == null) {
            sb.append("null");
        } else if (value instanceof CharSequence) {
            writeString(sb, value.toString(), path);
        } else if (value instanceof Character) {
            writeString(sb, value.toString(), path);
        } else if (value instanceof Boolean) {
            sb.append(((Boolean) value).booleanValue() ? "true" : "false");
        } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                || value instanceof Byte || value instanceof BigInteger) {
            sb.append(value.toString());
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw StsInvalidArgumentException.of(path, "NaN and infinity are not JSON numbers");
            }
            sb.append(new BigDecimal(value.toString()).toString());
        } else if (value instanceof BigDecimal) {
            sb.append(((BigDecimal) value).toString());
        } else if (value instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
                if (!(e.getKey() instanceof String)) {
                    throw StsInvalidArgumentException.of(path, "object keys must be strings");
                }
                String key = (String) e.getKey();
                if (!first) {
                    sb.append(',');
                }
                first = false;
                writeString(sb, key, path);
                sb.append(':');
                write(sb, e.getValue(), path + "." + key, depth + 1);
            }
            sb.append('}');
        } else if (value instanceof Iterable) {
            sb.append('[');
            int i = 0;
            for (Object item : (Iterable<?>) value) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, item, path + "[" + i + "]", depth + 1);
                i++;
            }
            sb.append(']');
        } else if (value.getClass().isArray()) {
            sb.append('[');
            int n = Array.getLength(value);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(sb, Array.get(value, i), path + "[" + i + "]", depth + 1);
            }
            sb.append(']');
        } else {
            throw StsInvalidArgumentException.of(path, "unsupported type " + value.getClass().getName()
                    + " (use String, Number, Boolean, Map, List or an array)");
        }
    }

    static void writeString(StringBuilder sb, String s, String path) {
        sb.append('"');
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        appendUnicodeEscape(sb, c);
                    } else if (Character.isHighSurrogate(c)) {
                        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                            sb.append(c).append(s.charAt(++i));
                        } else {
                            throw StsInvalidArgumentException.of(path, "string has an unpaired UTF-16 surrogate");
                        }
                    } else if (Character.isLowSurrogate(c)) {
                        throw StsInvalidArgumentException.of(path, "string has an unpaired UTF-16 surrogate");
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    /** A path of a self-containing value grows with each level: keep the message short. */
    private static String abbreviate(String path) {
        return path.length() <= 120 ? path : path.substring(0, 120) + "...";
    }

    private static void appendUnicodeEscape(StringBuilder sb, char c) {
        String hex = Integer.toHexString(c);
        sb.append("\\u");
        for (int k = hex.length(); k < 4; k++) {
            sb.append('0');
        }
        sb.append(hex);
    }

    // ------------------------------------------------------------------ reader

    /** Parses one JSON text; trailing non-whitespace is an error. */
    static Object parse(String text) {
        Reader r = new Reader(text);
        r.skipWs();
        Object v = r.value(0);
        r.skipWs();
        if (r.pos != text.length()) {
            throw r.error("unexpected data after the JSON value");
        }
        return v;
    }

    private static final class Reader {
        final String s;
        int pos;

        Reader(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException("invalid JSON at offset " + pos + ": " + what);
        }

        void skipWs() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested too deeply");
            }
            if (pos >= s.length()) {
                throw error("unexpected end of input");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{': return object(depth);
                case '[': return array(depth);
                case '"': return string();
                case 't': literal("true"); return Boolean.TRUE;
                case 'f': literal("false"); return Boolean.FALSE;
                case 'n': literal("null"); return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected character");
            }
        }

        void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("invalid literal");
            }
            pos += word.length();
        }

        Map<String, Object> object(int depth) {
            pos++; // '{'
            Map<String, Object> map = new LinkedHashMap<>();
            skipWs();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWs();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a string key");
                }
                String key = string();
                skipWs();
                expect(':');
                skipWs();
                Object v = value(depth + 1);
                if (map.containsKey(key)) {
                    throw error("duplicate key");
                }
                map.put(key, v);
                skipWs();
                if (pos >= s.length()) {
                    throw error("unexpected end of input");
                }
                char c = s.charAt(pos++);
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or '}'");
                }
            }
        }

        List<Object> array(int depth) {
            pos++; // '['
            List<Object> list = new ArrayList<>();
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWs();
                list.add(value(depth + 1));
                skipWs();
                if (pos >= s.length()) {
                    throw error("unexpected end of input");
                }
                char c = s.charAt(pos++);
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    pos--;
                    throw error("expected ',' or ']'");
                }
            }
        }

        void expect(char c) {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        String string() {
            pos++; // opening quote
            StringBuilder sb = null;
            int start = pos;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
                    pos++;
                    return out;
                }
                if (c < 0x20) {
                    throw error("control character in string");
                }
                if (c == '\\') {
                    if (sb == null) {
                        sb = new StringBuilder();
                    }
                    sb.append(s, start, pos);
                    pos++;
                    if (pos >= s.length()) {
                        throw error("unterminated escape");
                    }
                    char e = s.charAt(pos++);
                    switch (e) {
                        case '"': sb.append('"'); break;
                        case '\\': sb.append('\\'); break;
                        case '/': sb.append('/'); break;
                        case 'b': sb.append('\b'); break;
                        case 'f': sb.append('\f'); break;
                        case 'n': sb.append('\n'); break;
                        case 'r': sb.append('\r'); break;
                        case 't': sb.append('\t'); break;
                        case 'u': sb.append(hex4()); break;
                        default:
                            pos--;
                            throw error("invalid escape");
                    }
                    start = pos;
                } else {
                    pos++;
                }
            }
        }

        char hex4() {
            if (pos + 4 > s.length()) {
                throw error("short \\u escape");
            }
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(s.charAt(pos + i), 16);
                if (d < 0) {
                    throw error("invalid \\u escape");
                }
                v = (v << 4) | d;
            }
            pos += 4;
            return (char) v;
        }

        Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            if (pos >= s.length()) {
                throw error("invalid number");
            }
            if (s.charAt(pos) == '0') {
                pos++;
            } else if (s.charAt(pos) >= '1' && s.charAt(pos) <= '9') {
                digits();
            } else {
                throw error("invalid number");
            }
            boolean integral = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integral = false;
                pos++;
                if (digits() == 0) {
                    throw error("invalid number");
                }
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                if (digits() == 0) {
                    throw error("invalid number");
                }
            }
            String text = s.substring(start, pos);
            if (integral) {
                BigInteger big = new BigInteger(text);
                return big.bitLength() < 64 ? (Object) big.longValue() : big;
            }
            return Double.parseDouble(text);
        }

        int digits() {
            int start = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            return pos - start;
        }
    }

    // ------------------------------------------------------------------ helpers for results

    @SuppressWarnings("unchecked")
    static Map<String, Object> asObject(Object v, String what) {
        if (v instanceof Map) {
            return (Map<String, Object>) v;
        }
        throw new IllegalStateException(what + " is not a JSON object");
    }
}
