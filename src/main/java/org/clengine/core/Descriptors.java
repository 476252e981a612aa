package org.clengine.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Canonical descriptors such as {@code mb32ic64ih56kh3ph1}: named numbers, each part at most once. */
public final class Descriptors {
    private Descriptors() {
    }

    /**
     * The parts of {@code descriptor}, in order, each name to its number. The whole string must be parts matching
     * {@code part} (group 1 the name, group 2 the digits), none twice, with every name of {@code required};
     * otherwise {@code bad} is thrown. A number past int is refused with its part named.
     */
    public static Map<String, Integer> parts(String descriptor, Pattern part, String[] required,
            Supplier<IllegalArgumentException> bad) {
        String d = descriptor.strip();
        Matcher m = part.matcher(d);
        Map<String, Integer> v = new LinkedHashMap<>();
        int end = 0;
        while (m.find()) {
            if (m.start() != end || v.put(m.group(1), number(descriptor, m.group(0), m.group(2))) != null) {
                throw bad.get();
            }
            end = m.end();
        }
        if (end != d.length()) throw bad.get();
        for (String r : required) {
            if (!v.containsKey(r)) throw bad.get();
        }
        return v;
    }

    /** A descriptor's number, refused with its part named when it does not fit an int. */
    public static int number(String descriptor, String part, String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + descriptor + "': " + part + " is larger than "
                    + Integer.MAX_VALUE);
        }
    }
}
