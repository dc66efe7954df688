/** A configuration problem, located at a line of the file when the line is known. */
export class ConfigError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly setting: string | undefined;

  constructor(file: string, line: number | undefined, setting: string | undefined, reason: string) {
    const where = line === undefined ? file : `${file}:${line}`;
    super(setting === undefined ? `${where}: ${reason}` : `${where}: ${setting}: ${reason}`);
    this.name = 'ConfigError';
    this.file = file;
    this.line = line;
    this.setting = setting;
  }
}
