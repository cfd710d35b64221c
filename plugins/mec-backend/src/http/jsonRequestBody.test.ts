import { mockServices } from '@backstage/backend-test-utils';
import express from 'express';
import request from 'supertest';
import {
  checkJsonValue,
  jsonRequestBody,
  MAX_JSON_DEPTH,
} from './jsonRequestBody';
import { problemDetailsErrorHandler } from './problemDetails';

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) {
    value = i % 2 ? [value] : { a: value };
  }
  return value;
}

describe('checkJsonValue', () => {
  it.each([
    ['a scalar', 'text'],
    ['null', null],
    ['an empty object', {}],
    ['objects and arrays at the limit', nested(MAX_JSON_DEPTH)],
  ])('accepts %s', (_name, value) => {
    expect(() => checkJsonValue(value, MAX_JSON_DEPTH)).not.toThrow();
  });

  it.each([
    ['one level too deep', nested(MAX_JSON_DEPTH + 1), /deeper than 32/],
    ['100,000 levels deep', nested(100_000), /deeper than 32/],
    ['NUL in a value', { a: ['x\u0000y'] }, /NUL/],
    ['NUL in a key', { 'k\u0000': 1 }, /NUL/],
  ])('refuses %s', (_name, value, message) => {
    expect(() => checkJsonValue(value, MAX_JSON_DEPTH)).toThrow(message);
  });
});

describe('jsonRequestBody', () => {
  const app = express();
  app.use('/api', jsonRequestBody());
  app.post('/api/echo', (req, res) => {
    res.json(req.body);
  });
  app.get('/api/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.use(problemDetailsErrorHandler({ logger: mockServices.logger.mock() }));

  it('parses JSON bodies within the limits', async () => {
    const res = await request(app)
      .post('/api/echo')
      .send({ a: [1, 'b'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ a: [1, 'b'] });
  });

  it('answers a deeply nested body with 400 ProblemDetails', async () => {
    const res = await request(app)
      .post('/api/echo')
      .set('Content-Type', 'application/json')
      .send(`{"userDefinedData":${'['.repeat(8000)}${']'.repeat(8000)}}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 400, detail: expect.any(String) });
  });

  it('answers NUL in a body string or in the URL with 400', async () => {
    const body = await request(app)
      .post('/api/echo')
      .send({ appInstanceName: 'a\u0000b' });
    expect(body.status).toBe(400);
    expect(body.body.detail).toMatch(/NUL/);
    const url = await request(app).get('/api/a%00b');
    expect(url.status).toBe(400);
    expect(url.body.detail).toMatch(/NUL/);
  });
});
