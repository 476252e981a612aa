package org.clengine.nn;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON parser for the small documents the engine reads (a safetensors header): RFC 8259 without
 * fractions or exponents, since every number such a header holds is a byte offset or a dimension. Objects become
 * {@code Map<String, Object>} in file order, arrays {@code List<Object>}, numbers {@code Long}, and true, false and
 * null {@code Boolean} or {@link #NULL}. A duplicate key, a number past {@code Long.MAX_VALUE}, nesting deeper than
 * {@link #MAX_DEPTH}, a raw control character in a string or anything after the value but whitespace is an error
 * naming the character offset. The engine depends on JOCL and slf4j only; a JSON library for one header is not
 * worth a third runtime dependency.
 */
final class StrictJson {
    /** JSON's null, distinct from a missing key. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    /** Deeper than any header needs (3), shallow enough that a hostile "[[[[…" cannot overflow the stack. */
    static final int MAX_DEPTH = 32;

    private final String s;
    private int pos;

    private StrictJson(String s) {
        this.s = s;
    }

    /** The one value {@code text} holds, with only whitespace around it. */
    static Object parse(String text) throws IOException {
        StrictJson p = new StrictJson(text);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos < text.length()) throw p.error("unexpected '" + text.charAt(p.pos) + "' after the value");
        return v;
    }

    private Object value(int depth) throws IOException {
        if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
        if (pos >= s.length()) throw error("unexpected end, a value was expected");
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected '" + c + "', a value was expected");
            }
        };
    }

    private Map<String, Object> object(int depth) throws IOException {
        pos++;
        Map<String, Object> out = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(out);
        }
        while (true) {
            skipSpace();
            if (peek() != '"') throw error("a key (a string) was expected");
            int at = pos;
            String key = string();
            skipSpace();
            expect(':');
            skipSpace();
            Object v = value(depth + 1);
            if (out.put(key, v) != null) {
                pos = at;
                throw error("key \"" + key + "\" appears twice in one object");
            }
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else {
                expect('}');
                return Collections.unmodifiableMap(out);
            }
        }
    }

    private List<Object> array(int depth) throws IOException {
        pos++;
        List<Object> out = new ArrayList<>();
        skipSpace();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(out);
        }
        while (true) {
            skipSpace();
            out.add(value(depth + 1));
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else {
                expect(']');
                return Collections.unmodifiableList(out);
            }
        }
    }

    private String string() throws IOException {
        pos++;
        StringBuilder b = new StringBuilder();
        while (true) {
            if (pos >= s.length()) throw error("unterminated string");
            char c = s.charAt(pos++);
            if (c == '"') return b.toString();
            if (c < 0x20) throw error("raw control character U+" + String.format("%04X", (int) c) + " in a string");
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (pos >= s.length()) throw error("unterminated escape");
            char e = s.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> b.append(e);
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> b.append(hex4());
                default -> {
                    pos--;
                    throw error("unknown escape \\" + e);
                }
            }
        }
    }

    private char hex4() throws IOException {
        if (pos + 4 > s.length()) throw error("truncated \\u escape");
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos), 16);
            if (d < 0) throw error("bad hex digit in a \\u escape");
            v = v * 16 + d;
            pos++;
        }
        return (char) v;
    }

    /** An integer: optional minus, no leading zeros, no fraction or exponent, within long. */
    private Long number() throws IOException {
        int start = pos;
        if (peek() == '-') pos++;
        int digits = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') pos++;
        if (pos == digits) throw error("a digit was expected");
        if (s.charAt(digits) == '0' && pos - digits > 1) throw error("number with a leading zero");
        if (pos < s.length() && (s.charAt(pos) == '.' || s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
            throw error("only integers are read here (a fraction or exponent follows "
                    + s.substring(start, pos) + ")");
        }
        try {
            return Long.parseLong(s.substring(start, pos));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("number " + s.substring(start, Math.min(s.length(), start + 40)) + " is past the 64-bit range");
        }
    }

    private Object literal(String word, Object v) throws IOException {
        if (!s.startsWith(word, pos)) throw error("unexpected '" + s.charAt(pos) + "', a value was expected");
        pos += word.length();
        return v;
    }

    private void expect(char c) throws IOException {
        if (peek() != c) {
            throw error(pos >= s.length() ? "unexpected end, '" + c + "' was expected"
                    : "'" + c + "' was expected, found '" + s.charAt(pos) + "'");
        }
        pos++;
    }

    private int peek() {
        return pos < s.length() ? s.charAt(pos) : -1;
    }

    private void skipSpace() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            pos++;
        }
    }

    private IOException error(String what) {
        return new IOException("JSON: " + what + " at character " + pos);
    }
}
