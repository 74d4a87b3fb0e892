/**
 * The few `os.path` rules (POSIX) that decide where ComfyUI's upload and `/view` routes look, so
 * the simulator accepts and refuses the same names: `os.path.normpath`, `os.path.join` (an
 * absolute part restarts the path) and `os.path.splitext`.
 */

/** `os.path.normpath` for POSIX paths: `a//b/./c/../d` → `a/b/d`, `""` → `"."`. */
export function normpath(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && parts.length > 0 && parts[parts.length - 1] !== "..") parts.pop();
    else if (part === ".." && absolute) continue;
    else parts.push(part);
  }
  const joined = parts.join("/");
  if (absolute) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** `os.path.join`: a later absolute part discards everything before it. */
export function joinPath(...parts: string[]): string {
  let result = "";
  for (const part of parts) {
    if (part.startsWith("/")) result = part;
    else if (result === "" || result.endsWith("/")) result += part;
    else result += `/${part}`;
  }
  return result;
}

/**
 * Where `relative` lands inside a folder, as ComfyUI's `commonpath` check sees it: the normalised
 * path below the folder, `"."` for the folder itself, or undefined when it escapes (`..`, absolute).
 */
export function insideFolder(relative: string): string | undefined {
  if (relative.startsWith("/")) return undefined;
  const normal = normpath(relative);
  return normal === ".." || normal.startsWith("../") ? undefined : normal;
}

/** `os.path.splitext`: the extension starts at the last dot of the last part, leading dots excluded. */
export function splitext(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  const base = path.slice(slash + 1);
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return [path, ""];
  const cut = slash + 1 + dot;
  return [path.slice(0, cut), path.slice(cut)];
}

/** `(folder, name)` of a normalised relative path: `a/b/c.png` → `["a/b", "c.png"]`, top level `""`. */
export function splitFolder(normal: string): [string, string] {
  const slash = normal.lastIndexOf("/");
  return slash === -1 ? ["", normal] : [normal.slice(0, slash), normal.slice(slash + 1)];
}
