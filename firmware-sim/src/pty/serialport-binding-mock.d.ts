/**
 * Typings for `@serialport/binding-mock` 10.x: the package ships `dist/index.d.ts`, but its
 * `exports` map has no `types` condition, so NodeNext resolution cannot find it. This mirrors the
 * parts of that file the simulators use (same names and shapes).
 */
declare module '@serialport/binding-mock' {
  interface MockOpenOptions {
    path: string;
    baudRate: number;
    dataBits?: 5 | 6 | 7 | 8;
    lock?: boolean;
    stopBits?: 1 | 1.5 | 2;
    parity?: string;
    rtscts?: boolean;
    xon?: boolean;
    xoff?: boolean;
    xany?: boolean;
    hupcl?: boolean;
  }
  interface MockPortInfo {
    path: string;
    manufacturer: string | undefined;
    serialNumber: string | undefined;
    pnpId: string | undefined;
    locationId: string | undefined;
    productId: string | undefined;
    vendorId: string | undefined;
  }
  export interface CreatePortOptions {
    echo?: boolean;
    record?: boolean;
    readyData?: Buffer;
    maxReadSize?: number;
    manufacturer?: string;
    vendorId?: string;
    productId?: string;
  }
  export class MockPortBinding {
    readonly openOptions: Required<MockOpenOptions>;
    lastWrite: null | Buffer;
    recording: Buffer;
    isOpen: boolean;
    emitData(data: Buffer | string): void;
    close(): Promise<void>;
    read(buffer: Buffer, offset: number, length: number): Promise<{ buffer: Buffer; bytesRead: number }>;
    write(buffer: Buffer): Promise<void>;
    update(options: { baudRate: number }): Promise<void>;
    set(options: {
      brk?: boolean;
      cts?: boolean;
      dsr?: boolean;
      dtr?: boolean;
      rts?: boolean;
    }): Promise<void>;
    get(): Promise<{ cts: boolean; dsr: boolean; dcd: boolean }>;
    getBaudRate(): Promise<{ baudRate: number }>;
    flush(): Promise<void>;
    drain(): Promise<void>;
  }
  export const MockBinding: {
    reset(): void;
    createPort(path: string, opt?: CreatePortOptions): void;
    list(): Promise<MockPortInfo[]>;
    open(options: MockOpenOptions): Promise<MockPortBinding>;
  };
}
