import { describe, expect, it } from 'vitest';
import { cell, codeBlock, htmlText, inlineCode, link, plainText, safeUrl } from '../../src/report/escape.js';
import { cells, codeSpanContent, inspectMarkdown, withoutCodeSpans } from './markdown-structure.js';

const ZWSP = '\u200b';
const HOSTILE = 'x`|<img src=x onerror=alert(1)>@octocat\n## pwned';

describe('inlineCode', () => {
  it('shows any text exactly, whatever backticks it holds', () => {
    for (const text of ['main', 'a ``` b', '`starts', 'ends`', '``', 'a`b``c```d', ' padded ', HOSTILE.replace('\n', ' ')]) {
      const span = inlineCode(text);
      expect(codeSpanContent(span)).toBe(text);
      // One span: nothing of it is left as prose.
      expect(withoutCodeSpans(span)).toBe('⟨code⟩');
    }
    expect(inlineCode('a ``` b')).toBe('````a ``` b````');
  });

  it('folds newlines and shows empty text visibly', () => {
    expect(inlineCode('line one\n  line two\r\nthree')).toBe('`line one line two three`');
    expect(inlineCode('')).toBe('*(empty)*');
    expect(inlineCode(' \n ')).toBe('*(empty)*');
  });

  it('shows control characters and bidirectional overrides instead of obeying them', () => {
    expect(inlineCode('evil\u202Etxt.py\u0007')).toBe('`evil\ufffdtxt.py\ufffd`');
  });
});

describe('plainText', () => {
  it('escapes Markdown and HTML and folds newlines', () => {
    const text = plainText('**bold** _it_ [x](y) <b>&amp; ~~s~~\n# heading | cell');
    expect(text).not.toMatch(/\n/);
    expect(text).toContain('\\*\\*bold\\*\\*');
    expect(text).toContain('\\[x\\]\\(y\\)');
    expect(text).toContain('&lt;b&gt;&amp;amp;');
    expect(text).toContain('&#124;');
    expect(text).not.toContain('|');
    expect(text).not.toMatch(/(^|[^\\])[*_[\]<>]/);
  });

  it('neutralises mentions, issue references and autolinks', () => {
    expect(plainText('@octocat')).toBe(`@${ZWSP}octocat`);
    expect(plainText('cc @org/team')).toBe(`cc @${ZWSP}org/team`);
    expect(plainText('fixes #123')).toBe(`fixes \\#${ZWSP}123`);
    expect(plainText('GH-45')).toBe(`GH${ZWSP}\\-45`);
    expect(plainText('see https://evil.example and www.evil.example')).toBe(`see https:${ZWSP}//evil.example and www${ZWSP}.evil.example`);
    expect(plainText('me@example.com')).toBe(`me@${ZWSP}example.com`);
    // Nothing GitHub would link is left: @ or # directly before a word character.
    expect(plainText('@a #1 @b#2')).not.toMatch(/[@#][\w]/);
  });
});

describe('htmlText', () => {
  it('escapes HTML only (raw HTML blocks do not parse Markdown) and still defuses mentions', () => {
    expect(htmlText('core_db <script>"x"</script> @octocat')).toBe(`core_db &lt;script&gt;&quot;x&quot;&lt;/script&gt; @${ZWSP}octocat`);
  });
});

describe('codeBlock', () => {
  it('can never be closed by its content', () => {
    const content = 'before\n```\n````\n`````python\nafter';
    const block = codeBlock(content, 'python');
    const structure = inspectMarkdown(`${block}\n\nprose after`);
    expect(structure.fencesBalanced).toBe(true);
    expect(structure.fencedBlocks).toEqual([{ info: 'python', content }]);
    expect(structure.outsideFences).toEqual(['', 'prose after']);
  });

  it('uses three backticks when it can, and drops trailing newlines', () => {
    expect(codeBlock('x = 1\n\n', 'python')).toBe('```python\nx = 1\n```');
    expect(codeBlock('```\nx')).toBe('````\n```\nx\n````');
  });
});

describe('cell', () => {
  it('gives every pipe an odd number of backslashes, so no pipe splits the row', () => {
    expect(cell('a|b')).toBe('a\\|b');
    expect(cell('a\\|b')).toBe('a\\|b');
    expect(cell('a\\\\|b')).toBe('a\\\\\\|b');
    for (const content of ['a|b', 'a\\|b', 'a\\\\|b', '`x|y`', inlineCode('x\\|`|'), plainText('|\\|')]) {
      expect(cells(`| ${cell(content)} | second |`)).toBe(2);
    }
  });
});

describe('safeUrl and link', () => {
  it('keeps http(s) URLs, encoding what would end a link or a table cell', () => {
    expect(safeUrl('https://github.com/o/r/blob/abc/dir/a(b)|c.py#L3')).toBe('https://github.com/o/r/blob/abc/dir/a%28b%29%7Cc.py#L3');
    expect(safeUrl('https://github.com/o/r/blob/abc/has space.py')).toBe('https://github.com/o/r/blob/abc/has%20space.py');
  });

  it('refuses anything else', () => {
    for (const url of ['javascript:alert(1)', 'data:text/html,<b>', 'not a url', '', null, undefined, 'file:///etc/passwd']) expect(safeUrl(url)).toBeNull();
    expect(link('`x`', 'javascript:alert(1)')).toBe('`x`');
    expect(link('`x`', 'https://example.com/a)b')).toBe('[`x`](https://example.com/a%29b)');
  });
});

describe('the hostile table name', () => {
  it('renders inert in every helper', () => {
    for (const rendered of [inlineCode(HOSTILE), plainText(HOSTILE), cell(inlineCode(HOSTILE)), cell(plainText(HOSTILE))]) {
      expect(rendered).not.toContain('\n');
      const prose = withoutCodeSpans(rendered);
      expect(prose).not.toContain('<img');
      expect(prose).not.toMatch(/@\w/);
      expect(cells(`| ${cell(rendered)} |`)).toBe(1);
    }
  });
});
