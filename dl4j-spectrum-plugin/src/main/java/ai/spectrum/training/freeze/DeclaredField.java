package ai.spectrum.training.freeze;

import java.lang.reflect.Field;

/**
 * A non-public field of a DL4J class that the freeze has to read or replace (DL4J M2.1 offers no setter), opened once.
 * A failure names the class and field and keeps its cause.
 */
final class DeclaredField {
    private final Field field;
    private final String label;

    DeclaredField(Class<?> owner, String name) {
        this.label = owner.getSimpleName() + "." + name;
        try {
            this.field = owner.getDeclaredField(name);
            this.field.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(new IllegalStateException(
                    "this DL4J version has no accessible field " + label + "; Spectrum's freeze supports 1.0.0-M2.1",
                    e));
        }
    }

    Object get(Object target) {
        try {
            return field.get(target);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + label, e);
        }
    }

    void set(Object target, Object value) {
        try {
            field.set(target, value);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot set " + label, e);
        }
    }
}
