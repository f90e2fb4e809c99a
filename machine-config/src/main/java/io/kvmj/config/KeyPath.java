package io.kvmj.config;

/**
 * Where a value sits, for error messages: a key path ({@code drives[0].path_on_host}) inside the document that
 * {@code scope} names; "" for the document itself.
 */
record KeyPath(Keys.Scope scope, String relative) {
    static KeyPath root(Keys.Scope scope) {
        return new KeyPath(scope, "");
    }

    KeyPath key(String key) {
        return new KeyPath(scope, relative.isEmpty() ? key : Keys.path(relative, key));
    }

    KeyPath index(int index) {
        return new KeyPath(scope, relative + "[" + index + "]");
    }

    ConfigException error(String problem) {
        return new ConfigException(scope.key(relative), problem);
    }
}
