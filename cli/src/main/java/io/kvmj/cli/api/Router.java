package io.kvmj.cli.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Maps (method, path) to handlers. A route's path is literal segments and at most one {@code {id}} segment, which
 * matches any one non-empty segment and is handed to the handler as {@link ApiRequest#pathId()}. A path no route
 * has is answered 404, a known path with another method 405, and a handler's {@link ApiException} as its fault.
 */
final class Router {
    private static final String ID = "{id}";

    /** Answers one routed request. */
    @FunctionalInterface
    interface Handler {
        ApiResponse handle(ApiRequest request) throws ApiException;
    }

    private record Route(List<String> segments, Map<String, Handler> byMethod) {}

    private final List<Route> routes = new ArrayList<>();

    /** Adds {@code handler} for {@code method} on {@code path} ({@code /drives/{id}}); returns this router. */
    Router add(String method, String path, Handler handler) {
        List<String> segments = segments(path);
        Route route = routes.stream().filter(r -> r.segments().equals(segments)).findFirst().orElseGet(() -> {
            Route added = new Route(segments, new TreeMap<>());
            routes.add(added);
            return added;
        });
        if (route.byMethod().putIfAbsent(method, handler) != null) {
            throw new IllegalArgumentException("two handlers for " + method + " " + path);
        }
        return this;
    }

    /** Every route, as {@code METHOD /path} with {@code {id}} for a path's id segment, sorted. */
    SortedSet<String> routes() {
        SortedSet<String> all = new TreeSet<>();
        for (Route route : routes) {
            String path = "/" + String.join("/", route.segments());
            route.byMethod().keySet().forEach(method -> all.add(method + " " + path));
        }
        return all;
    }

    /** The answer to {@code request}, never null. */
    ApiResponse route(ApiRequest request) {
        List<String> segments = segments(request.path());
        for (Route route : routes) {
            String id = match(route.segments(), segments);
            if (id == null) continue;
            Handler handler = route.byMethod().get(request.method());
            if (handler == null) {
                return ApiResponse.fault(ApiResponse.METHOD_NOT_ALLOWED, invalid(request) + " (allowed: "
                        + String.join(", ", route.byMethod().keySet()) + ")");
            }
            try {
                return handler.handle(request.withPathId(id.isEmpty() ? null : id));
            } catch (ApiException e) {
                return e.toResponse();
            }
        }
        return ApiResponse.fault(ApiResponse.NOT_FOUND, invalid(request));
    }

    // Firecracker's words for a request it has no route for.
    private static String invalid(ApiRequest request) {
        return "Invalid request method and/or path: " + request.method() + " " + request.path() + ".";
    }

    // The {id} segment's value when the path matches ("" for a route without one), else null.
    private static String match(List<String> route, List<String> path) {
        if (route.size() != path.size()) return null;
        String id = "";
        for (int i = 0; i < route.size(); i++) {
            if (route.get(i).equals(ID)) {
                if (path.get(i).isEmpty()) return null;
                id = path.get(i);
            } else if (!route.get(i).equals(path.get(i))) {
                return null;
            }
        }
        return id;
    }

    // "/" has no segments; empty segments ("//", a trailing "/") are kept, so they match no route.
    private static List<String> segments(String path) {
        if (path.equals("/")) return List.of();
        return List.of(path.substring(path.startsWith("/") ? 1 : 0).split("/", -1));
    }
}
