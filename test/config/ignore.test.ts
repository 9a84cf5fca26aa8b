import { describe, expect, it } from 'vitest';
import { isIgnored } from '../../src/config/ignore.js';

describe('isIgnored', () => {
  it('a table pattern covers the table and every column of it', () => {
    expect(isIgnored(['audit_log'], 'audit_log', null)).toBe(true);
    expect(isIgnored(['audit_log'], 'audit_log', 'id')).toBe(true);
    expect(isIgnored(['audit_log'], 'audit_logs', null)).toBe(false);
  });

  it('`*` stands for any run of characters, in tables and columns', () => {
    expect(isIgnored(['audit_*'], 'audit_log', 'id')).toBe(true);
    expect(isIgnored(['*_archive'], 'users_archive', null)).toBe(true);
    expect(isIgnored(['users.legacy_*'], 'users', 'legacy_name')).toBe(true);
    expect(isIgnored(['*.created_at'], 'orders', 'created_at')).toBe(true);
    expect(isIgnored(['*.created_at'], 'orders', 'updated_at')).toBe(false);
  });

  it('a column pattern leaves the table itself and other columns in', () => {
    expect(isIgnored(['users.legacy_*'], 'users', 'email')).toBe(false);
    expect(isIgnored(['users.legacy_*'], 'users', null)).toBe(false);
  });

  it('objects outside any table are never ignored, and other characters are literal', () => {
    expect(isIgnored(['*'], null, null)).toBe(false);
    expect(isIgnored(['user?'], 'users', null)).toBe(false);
    expect(isIgnored(['a+b'], 'aab', null)).toBe(false);
    expect(isIgnored([], 'users', 'id')).toBe(false);
  });
});
