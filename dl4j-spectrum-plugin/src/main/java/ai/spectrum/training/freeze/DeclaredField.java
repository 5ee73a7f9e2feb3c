package ai.spectrum.training.freeze;

import java.lang.reflect.Field;

/**
 * A non-public field of a DL4J class that the freeze has to read or replace (DL4J M2.1 offers no setter), opened once.
 * Every instance is declared in {@link Dl4jFields}. A field this DL4J version lacks fails on first use, and in
 * {@link #check()}, with a message naming the class and field; failures keep their cause.
 */
final class DeclaredField {
    private final String label;
    private final Field field;
    private final RuntimeException missing;

    DeclaredField(Class<?> owner, String name) {
        this.label = owner.getSimpleName() + "." + name;
        Field f = null;
        RuntimeException failure = null;
        try {
            f = owner.getDeclaredField(name);
            f.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            f = null;
            failure = new IllegalStateException("this DL4J version has no accessible field " + label
                    + "; Spectrum's freeze supports 1.0.0-M2.1", e);
        }
        this.field = f;
        this.missing = failure;
    }

    /** {@code Owner.field}, e.g. {@code BaseOptimizer.stepFunction}. */
    String label() {
        return label;
    }

    /**
     * Fails if this DL4J version lacks the field or does not let it be opened.
     *
     * @throws IllegalStateException naming the field, with the reflective failure as cause
     */
    void check() {
        if (missing != null) {
            throw missing;
        }
    }

    Object get(Object target) {
        check();
        try {
            return field.get(target);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + label, e);
        }
    }

    void set(Object target, Object value) {
        check();
        try {
            field.set(target, value);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot set " + label, e);
        }
    }
}
