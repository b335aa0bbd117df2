import { ValidationError } from './errors.js';
import { ManifestLineError, parseManifestLine } from './manifestLine.js';

/**
 * Changes must be JSON Lines manifest entries: checked line by line before anything is accepted, so a
 * malformed request is a ValidationException at once and never a dataset left to fail in the background.
 * Whether the images exist and can be read is the background update's question.
 */
export function checkChangesFormat(changes: Buffer): void {
  let entries = 0;
  const lines = changes.toString('utf8').split('\n');
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    try {
      parseManifestLine(line);
    } catch (error) {
      if (!(error instanceof ManifestLineError)) throw error;
      throw new ValidationError(`Changes line ${index + 1} ${error.message}; Changes must be JSON Lines manifest entries.`);
    }
    entries++;
  }
  if (entries === 0) throw new ValidationError('Changes holds no manifest entries; it must be JSON Lines manifest entries.');
}
