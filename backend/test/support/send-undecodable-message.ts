import { connect as connectHttp2 } from 'node:http2';

export const GET_OR_CREATE_PATH = '/liverty_music.user.v1.UserService/GetOrCreate';

/** Tag 1 with wire type 7, which does not exist: no protobuf decoder accepts it. */
const UNDECODABLE = Uint8Array.of(0x0f);

/** The message in a gRPC / gRPC-web frame: flag 0, a 4-byte length, the bytes. */
const framed = (message: Uint8Array) => {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
};

export interface Answer {
  httpStatus: number;
  /** Connect: the JSON `code`; gRPC and gRPC-web: grpc-status. */
  code: string | undefined;
  message: string | undefined;
}

/** GetOrCreate with a body no decoder accepts, without credentials, in the given protocol. */
export async function sendUndecodableMessage(
  baseUrl: string,
  protocol: 'connect' | 'grpcweb' | 'grpc',
): Promise<Answer> {
  if (protocol === 'connect') {
    const response = await fetch(`${baseUrl}${GET_OR_CREATE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: UNDECODABLE,
    });
    const body = (await response.json()) as { code?: string; message?: string };
    return { httpStatus: response.status, code: body.code, message: body.message };
  }
  if (protocol === 'grpcweb') {
    const response = await fetch(`${baseUrl}${GET_OR_CREATE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/grpc-web+proto', 'x-grpc-web': '1' },
      body: framed(UNDECODABLE),
    });
    // The answer is one trailer frame (flag 0x80) of `name: value` lines.
    const text = Buffer.from(await response.arrayBuffer())
      .subarray(5)
      .toString('latin1');
    const field = (name: string) => new RegExp(`^${name}: ?(.*?)\\r?$`, 'm').exec(text)?.[1];
    return {
      httpStatus: response.status,
      code: field('grpc-status'),
      message: decodeURIComponent(field('grpc-message') ?? ''),
    };
  }
  const session = connectHttp2(baseUrl);
  try {
    return await new Promise<Answer>((resolve, reject) => {
      let httpStatus = 0;
      const stream = session.request({
        ':method': 'POST',
        ':path': GET_OR_CREATE_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.once('response', (headers) => {
        httpStatus = Number(headers[':status']);
      });
      stream.once('trailers', (trailers) =>
        resolve({
          httpStatus,
          code: trailers['grpc-status'] as string | undefined,
          message: decodeURIComponent((trailers['grpc-message'] as string | undefined) ?? ''),
        }),
      );
      stream.once('error', reject);
      stream.resume();
      stream.end(framed(UNDECODABLE));
    });
  } finally {
    session.close();
  }
}
