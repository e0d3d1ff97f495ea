/**
 * The Compose interpolation the compose test reads docker-compose.yml with (test/support/compose.ts), case by case
 * as the Compose Specification's "Interpolation" section defines it.
 */
import assert from 'node:assert/strict';
import { interpolate } from '../support/compose';

describe('Compose interpolation', () => {
  const env = { SET: 'value', EMPTY: '' };

  it('replaces $NAME and ${NAME}, an unset variable by nothing, and $$ by a literal $', () => {
    assert.equal(interpolate('a $SET b ${SET}c', env), 'a value b valuec');
    assert.equal(interpolate('[${UNSET}][$UNSET]', env), '[][]');
    assert.equal(interpolate('cost $$5 and $${SET}', env), 'cost $5 and ${SET}');
  });

  it('applies defaults: ":-" when unset or empty, "-" only when unset, nested references resolved', () => {
    assert.equal(interpolate('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:-d}', env), 'd  d value');
    assert.equal(interpolate('${UNSET:-${SET}/x}', env), 'value/x');
  });

  it('applies alternatives: ":+" when set and non-empty, "+" when set', () => {
    assert.equal(interpolate('[${SET:+alt}][${EMPTY:+alt}][${EMPTY+alt}][${UNSET+alt}]', env), '[alt][][alt][]');
  });

  it('refuses a required variable that is missing, with its message; "?" accepts an empty one', () => {
    assert.throws(() => interpolate('${UNSET:?set UNSET please}', env, 'x.y'), /x\.y: .*UNSET.*: set UNSET please/);
    assert.throws(() => interpolate('${EMPTY:?needed}', env), /EMPTY is missing a value: needed/);
    assert.equal(interpolate('${EMPTY?needed}', env), '');
  });

  it('refuses malformed references', () => {
    for (const bad of ['${', '${SET', '${1A}', '${SET!x}', 'trailing $'])
      assert.throws(() => interpolate(bad, env), /invalid interpolation format/, bad);
  });
});
