import { cpuMillicores, memoryBytes, parseQuantity } from './quantity';

describe('Kubernetes quantities', () => {
  it('reads CPU in millicores', () => {
    expect(cpuMillicores('3800m')).toBe(3800);
    expect(cpuMillicores('4')).toBe(4000);
    expect(cpuMillicores('0.25')).toBe(250);
    expect(cpuMillicores('100000n')).toBe(1);
    expect(cpuMillicores(undefined)).toBe(0);
  });

  it('reads memory in bytes', () => {
    expect(memoryBytes('15Gi')).toBe(15 * 2 ** 30);
    expect(memoryBytes('128Mi')).toBe(128 * 2 ** 20);
    expect(memoryBytes('1G')).toBe(1e9);
    expect(memoryBytes('1e3')).toBe(1000);
    expect(memoryBytes('16256908Ki')).toBe(16256908 * 1024);
  });

  it('rejects what is not a quantity', () => {
    expect(parseQuantity('lots')).toBeUndefined();
    expect(parseQuantity('1Xi')).toBeUndefined();
  });
});
