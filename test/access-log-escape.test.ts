import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse as parseCsv } from 'csv-parse/sync';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  clfEscaper,
  csvEscaper,
  jsonEscaper,
  textEscaper,
  xmlEscaper,
} from '../src/access-log/escape.js';

// Every code unit of the first 0x3000, the specials, lone and paired surrogates.
function sample(): string {
  let s = '';
  for (let c = 0; c < 0x3000; c++) s += String.fromCharCode(c);
  return `${s}\ufeff\ufffe\uffff\ud800x\udfff😀\u2028\u2029\u202e`;
}
const ALL = sample();
// biome-ignore lint/suspicious/noControlCharactersInRegex: what must never reach a line.
const RAW_BREAK = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters XML 1.0 forbids.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

describe('escapers', () => {
  test('json: JSON.parse gives back every character, no raw control character remains', () => {
    const escaped = jsonEscaper.value(ALL);
    assert.ok(!RAW_BREAK.test(escaped));
    assert.equal(JSON.parse(`"${escaped}"`), ALL);
    assert.equal(JSON.parse(jsonEscaper.quoted('a"b')), 'a"b');
  });

  test('xml: a real parser gives back every XML 1.0 character; the others become U+FFFD', () => {
    const escaped = xmlEscaper.value(ALL);
    assert.ok(!RAW_BREAK.test(escaped));
    const line = `<r a="${escaped}">${escaped}</r>`;
    assert.equal(XMLValidator.validate(line), true);
    const parsed = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      trimValues: false,
      parseTagValue: false,
      parseAttributeValue: false,
      htmlEntities: true,
    }).parse(line);
    const expected = ALL.replace(NOT_XML, '\ufffd').replace(LONE, '\ufffd');
    assert.equal(parsed.r['#text'], expected);
    assert.equal(parsed.r.a, expected);
  });

  test('csv: one field on one line; controls shown as escapes; formulas defused', () => {
    for (const value of [ALL, '=1+1', '+1', '-1', '@A1', 'a,b', 'a"b', 'plain']) {
      const field = csvEscaper.value(value);
      assert.ok(!RAW_BREAK.test(field), JSON.stringify(field));
      const rows: string[][] = parseCsv(`${field},${csvEscaper.quoted(value)}`);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]![0], rows[0]![1]);
    }
    assert.deepEqual(parseCsv(`${csvEscaper.value('=HYPERLINK("x")')}`), [[`'=HYPERLINK("x")`]]);
    assert.equal(csvEscaper.value('a\r\nb'), 'a\\r\\nb');
    assert.equal(csvEscaper.value('plain'), 'plain');
  });

  test('text: Apache-style escapes, nothing raw, every character recoverable', () => {
    const escaped = textEscaper.value(ALL);
    assert.ok(!RAW_BREAK.test(escaped));
    const back = escaped.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt"\\])/g, (_, c: string) => {
      if (c.length > 1) return String.fromCharCode(Number.parseInt(c.slice(1), 16));
      return ({ n: '\n', r: '\r', t: '\t' } as Record<string, string>)[c] ?? c;
    });
    assert.equal(back, ALL);
    assert.equal(textEscaper.value('a"b\\c\x1b'), 'a\\"b\\\\c\\x1b');
    assert.equal(textEscaper.bare('a b'), 'a b');
    assert.equal(clfEscaper.bare('a b\n'), 'a\\x20b\\n', 'a bare CLF field has no space');
    assert.equal(clfEscaper.value('a b'), 'a b');
  });

  test('a bare CLF field holds no whitespace character of any kind', () => {
    // Every code point that a reader splitting on Unicode whitespace (\s) takes for a gap.
    const spaces = [...Array(0x10000).keys()]
      .map((code) => String.fromCharCode(code))
      .filter((ch) => /\s/.test(ch));
    assert.ok(spaces.includes('\u00a0') && spaces.includes('\u3000') && spaces.length > 20);
    for (const ch of spaces) {
      const field = clfEscaper.bare(`a${ch}b`);
      assert.ok(!/\s/.test(field), `U+${ch.charCodeAt(0).toString(16)} written raw: ${field}`);
      assert.match(field, /^a\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt])b$/);
    }
    // Counterexamples found by the property suite, kept as fixed cases.
    assert.equal(clfEscaper.bare('\u00a0'), '\\xa0');
    assert.equal(clfEscaper.bare('\u2003x'), '\\u2003x');
    assert.equal(clfEscaper.bare('é\u3000'), 'é\\u3000');
  });
});
