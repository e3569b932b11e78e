// k6/metrics: a Rate that counts what was added.
export class Rate {
  constructor(name) {
    this.name = name;
    this.added = [];
  }

  add(value) {
    this.added.push(Boolean(value));
  }
}
