/**
 * Spring `{cipher}` test vectors, produced outside hotconf with the JDK's javax.crypto
 * following the algorithms Spring documents (Spring Security's `Encryptors.standard` /
 * `stronger` and `RsaSecretEncryptor`, as Spring Cloud Config's server uses them): PBKDF2
 * WithHmacSHA1 (1024 iterations, 256-bit key, salt hex-decoded), AES-CBC/PKCS5 or
 * AES-GCM (128-bit tag) with a 16-byte IV written first; RSA/ECB/PKCS1Padding of 16
 * random bytes whose hex is the AES password, framed as length(2) | RSA block | AES.
 * Only the resulting strings are kept here. The key is a throwaway made for these tests.
 */

/** The clear text of every vector. */
export const SPRING_PLAIN = 'spring-secret-ü';

/** `encrypt.key`: `spring-key-42`. */
export const SPRING_PASSWORD = 'spring-key-42';

/** Symmetric (`Encryptors.text`), salt `deadbeef` (Spring's default). */
export const SYMMETRIC =
  'a177014b950f384566e2e0f029daf5722e8d434dad94949a116fd1046e92e77cb3cd42defe1566f79aa4520b38bcde9d';

/** Symmetric, salt `0badc0de`. */
export const SYMMETRIC_SALTED =
  '1a3eef750145210226c9fc552665fb4df49882bd8d102c4692627bc98f376b47e3c8626036eb67e6f2533e40667b079d';

/** RSA, AES-CBC inside, salt `deadbeef`, under {@link RSA_KEY}. */
export const RSA =
  'AQANk3arSUKoIrIhL9yTo0gG0XFv6mlHPkFY3m8Dn0SKAoFolnJPZI8P3WU72P0p/Y4Zg9rP5yVXq235uXHILmtf2QnA4PVE6zx/uuMyvbwg0eULSDwSAl2DjafNe+5cA23vcz1nAIC1MDf1x9LqnnnbCB5KEunRBzHOW471XzwJWA3QLLWtThyNvcA1Rm3i3w463xAPONSavlX+sz/5dd0zDBuD8Bnm1gpAxIAHElIMnMoFdYLfjboMeW79zIt9KPJrYKDh2zossxF1ziodd9rqQZWaRr+BrDTCbiL3emv+2/AQKszU6LWgcw8smVjVeFPx8Cy7PMUGGbJIMVfYM0vFty29pi4LEqhV+J9AKlKisCm2NEbmFNmlUtvdtJXDq0c4Ti7//T6s72TM/CctbypU';

/** RSA, AES-GCM inside (`encrypt.rsa.strong: true`), salt `deadbeef`. */
export const RSA_STRONG =
  'AQCPmVCfe9g8B2Wjs7FK4jaOlmRllkvBnzgbU6wpHX89FeUNOjU5v0gEq69y80L3bgHei/7XvJ+YEqxkkaDQDElHQs+6xImR0gniFHYN5aOlA0rlOy5qqOslfZHNXMuAFrzRcPRJTZPxT419gVwPa2faVmG18D9K2iBRQD3Ne2jTGDHO3FpQW+JRlXAORPGN0ULSumg3wA88eSQ6uRAxl/T+2KasQXBwrT+Jl9S8+8MCdxprcPgsohkhHqzpbneKTXTffzDrUrH/9sUxnD3j+bxGz7UuqB4CKOgMv64SqB3D9HM3DvHYcvkk7R4wID0FSR9X2usq5JmickqFYRV+Tgyw7+bUSREJn0m/EsqyWHia1JdA5WYmW0ezw/ara1fSa7oBL2A+fdZqAkN/nVIUiy1U';

/** RSA, AES-CBC inside, salt `pepper` (not hex: Spring uses the hex of its bytes). */
export const RSA_PEPPER =
  'AQB5WS3OS9EFQ60TyR2yezuvgQ/SxgL7VjtdsVZuRWrypHBZ1ZBxk9EIIh15tjiN/xIPjySjV6wuLdl53qZKFN3/RAQdZGHkGZE8+VNfJutcYiclWzKhk9SLnIzZgkJhCyDMVo/hBRSxXLn8EJjZsBXIO2x9Xf1zHujyLq1+rAMc/A7AeBRLNUKUuwTlpZgW9ZMZ2XWeIUDPliihvp9Cueuw47aF3vjdC/eP3x3I911StTkcoQ9rBUQuuZTCbSykD1HvA3mQ8sML2KIzhHR35vKvsdI2Extse6exlYF7Y7ue649qXOXsUtGGRJdvfpJoDNsaP4tXKKiX5039VNjL6dnF2XYhOCQe0XNitUw8Hs0Sj5HFk6yiMoEPU1mvduA2ye9tlMFDkYwUDHQGaAR0gRCT';

/** The PKCS#1 PEM private key of the RSA vectors. */
export const RSA_KEY = `-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEAuBvQUw12hXdUhmzXZg9t/iDeF/ufBBaG84r6k1xYPZtAtT04
n7Mc1mU9n3DyCA5GpYNKhU5aBdYEdiMXdMZZmcnZ4w8a7fvx5TQSyXuST0Gghk/x
irFaKNtQzp6wqiV8iuqrlOfSMRFuAlXkbjJxk1GNNPkS3xj9CAYm6qyPKz2+Xknh
UhajrcHziqEi8rFn6M849VaUO5cedbnqGTw63//Dk8GKD+c4fblM44bMTZqt9X9a
cmCBLx9F7Z4ETMWq6RbuMLbvNDMHooBKWYZZ+GvpR2jb+Gx6EbpU+6rgkuUXfDm7
HKvDK4K/wmMsOrIsi1s9rbvryxLRS2zCXz+5rQIDAQABAoIBACNftLdAbvVV6Der
0fcaH9gkGIgjIHp4mZVRrrOBmrK7kcNA8BA/KdtHuH9aBCboF0rV3wud8k4MwO6x
71/QfIa/8c1eqZ3wOpn/V1y/EW2I/n7P/WjYiqou+We5tdf7O+K1FCKYKBqlbq2k
My+5IXlcwfTbpnSXKIbSJ8gPP7Le5flru7yM/NZZ6iIdu0lY+uN6bsxM5SewDi+c
1PTjOGa0NKzcp1rPTwcW7XcJ5TiMaeqxwuoEBhOyJAFdTa3o6knLOxOFgFAHaGaY
D2PjyZSmfqJgK3bk0d9gzGMUMRX2TpWFujLnSXtZDPeAUXaEGANhRXPAEzL8RWD6
TypaEAECgYEA+BU6r4nRFOXfQN6uCj5V2MrS/oHcHVr3+pS6WsYEONkU09XT75oe
Ex37TxwQfEPRJymOGQHP2WVpCrXJaO0QtOYbZVUpmfj+Ekf/JwPMN0lrWLf3pi7n
jlowYPB6bUbHRvk5/KgBCtnFBJQY2VFnQRhiOm/KVVAubQ/HNkO4TEECgYEAvfvu
j58buvOpcBGaq+pEs/JJ7OVqfuqZfaogUiLpBMC5lkQ+g4nRZ0bmO/M54rFGtiTV
VGRjcFUXqRftBdbz5lfFHONY4kr9KcPjQLFkov//Ml9TAJ857UIObkW6nLo88xOp
38jivh7x7uPa5NNisgv+XOs1bmhck8fZ6lh+wm0CgYAQMpqlUXNEUQn1m1RzuMQ0
JnIGSgZMKF9ejg1o1dr6tznD5wcycraZ+vAopyVwZ6ElVHJBsbuXbyafm2TuI+Re
W1PYlunjcr1sBiVjr7zKs1F99m0F/bQCuGLGQY1Myz1Bpg4iL/n5cmSJuv2wWr9K
IcRwGlJ0pYqSdmBEa8GBwQKBgFA4hgZdH990LdKljFMVS8dUAoUmZi6LLx7R7G3i
UdRw8KyTynXOhv5+AI/F52ZihsI4kV/eN+Lh+2iqMqpplnloDFJjaU+8bGPrVBUo
Ep+FSyPg/nJfyZz2bJOBnAe72Cqn3e4hrCStemjuC6rd22nlCJYBt4EUTisUk16R
2YyNAoGAY3XDV4fY1ulfJ0aqHgLAGy1kwDBEL3tX2W/INusSMG2j/J/eaK9FCBfY
2i4SrAhjNg/SUNSmkhrugrr3PtrlNAAMwlnylAQuW18taqNIFT/B3m2gcck+WqPN
TU2XE944CGRFVQ7DgectEFM61wDprbcjfe4rmUIOum1wulc/254=
-----END RSA PRIVATE KEY-----
`;
