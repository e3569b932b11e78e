// k6's `check` and `sleep`, recorded instead of acted on.
export const recorded = { checks: [], sleeps: [] };

export function check(response, checks) {
  let ok = true;
  for (const [name, predicate] of Object.entries(checks)) {
    const passed = Boolean(predicate(response));
    recorded.checks.push({ name, passed });
    ok = ok && passed;
  }
  return ok;
}

export function sleep(seconds) {
  recorded.sleeps.push(seconds);
}
