/* sk400vop_jni.c — the JNI glue of the Java binding (package org.sk400vop).
 *
 * Plain C over the public header only (include/sk400vop.h), so the same file
 * builds with the Android NDK and with a desktop JDK. It converts and
 * forwards; it decides nothing (../shared/STYLE.md rules 2, 30).
 *
 * Threads. Stacks run in SK400VOP_DISPATCH_THREAD mode: every event of a
 * stack arrives on one stack-owned OS thread. The first event attaches that
 * thread to the VM once; a pthread-key destructor detaches it when the
 * thread ends (the library ends it after sk400vop_destroy). Classes and
 * method ids are cached in JNI_OnLoad because FindClass on such a thread
 * sees only the system class loader, not the app's (STYLE pitfall 11).
 *
 * Text. Strings cross as UTF-8 bytes in both directions: Java encodes to
 * byte[] (Sk400vop.utf8) and the glue builds Strings with
 * new String(byte[], UTF_8). GetStringUTFChars/NewStringUTF are never used:
 * they speak modified UTF-8, which mangles NUL and characters beyond the BMP.
 */
#define _POSIX_C_SOURCE 200809L
#include <jni.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sk400vop.h"

#ifdef __ANDROID__
#include <android/log.h>
#endif

/* ---- what JNI_OnLoad caches ---------------------------------------------- */

static JavaVM *g_vm;
static pthread_key_t g_detach_key; /* set on threads the glue attached */

static jclass g_string;       /* java.lang.String */
static jmethodID g_string_new; /* String(byte[], Charset) */
static jobject g_utf8;        /* StandardCharsets.UTF_8 */
static jclass g_exception;    /* org.sk400vop.Sk400vopException */
static jmethodID g_exception_new; /* Sk400vopException(int, String) */
static jclass g_oom;          /* java.lang.OutOfMemoryError */

/* org.sk400vop.Listener */
static jmethodID g_on_reg_state, g_on_incoming_call, g_on_call_state, g_on_call_media, g_on_dtmf;

/* The app context of one stack: the Listener, held by a global reference so
 * the collector cannot take it while the stack may still call it. */
struct jstack {
    jobject listener;
};

/* Stacks by id, so destroy can release their context. Callbacks do not look
 * here: they get the context as app_ctx. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static struct entry {
    sk400vop_stack_id id;
    struct jstack *ctx;
} *g_stacks;
static size_t g_nstacks, g_capstacks;

static int registry_put(sk400vop_stack_id id, struct jstack *ctx)
{
    int ok = 1;
    pthread_mutex_lock(&g_mu);
    if (g_nstacks == g_capstacks) {
        size_t cap = g_capstacks ? 2 * g_capstacks : 4;
        struct entry *e = realloc(g_stacks, cap * sizeof *e);
        if (e == NULL) {
            ok = 0;
        } else {
            g_stacks = e;
            g_capstacks = cap;
        }
    }
    if (ok) {
        g_stacks[g_nstacks].id = id;
        g_stacks[g_nstacks].ctx = ctx;
        g_nstacks++;
    }
    pthread_mutex_unlock(&g_mu);
    return ok;
}

static struct jstack *registry_take(sk400vop_stack_id id)
{
    struct jstack *ctx = NULL;
    pthread_mutex_lock(&g_mu);
    for (size_t i = 0; i < g_nstacks; i++) {
        if (g_stacks[i].id == id) {
            ctx = g_stacks[i].ctx;
            g_stacks[i] = g_stacks[--g_nstacks];
            break;
        }
    }
    pthread_mutex_unlock(&g_mu);
    return ctx;
}

/* ---- loading ------------------------------------------------------------- */

/* detach_thread runs when a thread the glue attached ends (the dispatcher
 * of a destroyed stack): a thread must not end attached. */
static void detach_thread(void *env)
{
    (void)env;
    (*g_vm)->DetachCurrentThread(g_vm);
}

static jclass global_class(JNIEnv *env, const char *name)
{
    jclass local = (*env)->FindClass(env, name);
    jclass global;
    if (local == NULL) return NULL;
    global = (*env)->NewGlobalRef(env, local);
    (*env)->DeleteLocalRef(env, local);
    return global;
}

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved)
{
    JNIEnv *env;
    jclass listener, charsets;
    jfieldID utf8;
    jobject cs;
    (void)reserved;

    if ((*vm)->GetEnv(vm, (void **)&env, JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
    g_vm = vm;
    if (pthread_key_create(&g_detach_key, detach_thread) != 0) return JNI_ERR;

    /* Each lookup leaves an exception pending on failure; the VM reports it
     * as the cause of the failed System.loadLibrary. */
    if ((g_string = global_class(env, "java/lang/String")) == NULL) return JNI_ERR;
    if ((g_string_new = (*env)->GetMethodID(env, g_string, "<init>", "([BLjava/nio/charset/Charset;)V")) == NULL)
        return JNI_ERR;
    if ((g_oom = global_class(env, "java/lang/OutOfMemoryError")) == NULL) return JNI_ERR;
    if ((charsets = (*env)->FindClass(env, "java/nio/charset/StandardCharsets")) == NULL) return JNI_ERR;
    if ((utf8 = (*env)->GetStaticFieldID(env, charsets, "UTF_8", "Ljava/nio/charset/Charset;")) == NULL)
        return JNI_ERR;
    if ((cs = (*env)->GetStaticObjectField(env, charsets, utf8)) == NULL) return JNI_ERR;
    g_utf8 = (*env)->NewGlobalRef(env, cs);
    (*env)->DeleteLocalRef(env, cs);
    (*env)->DeleteLocalRef(env, charsets);

    if ((g_exception = global_class(env, "org/sk400vop/Sk400vopException")) == NULL) return JNI_ERR;
    if ((g_exception_new = (*env)->GetMethodID(env, g_exception, "<init>", "(ILjava/lang/String;)V")) == NULL)
        return JNI_ERR;

    if ((listener = (*env)->FindClass(env, "org/sk400vop/Listener")) == NULL) return JNI_ERR;
    g_on_reg_state = (*env)->GetMethodID(env, listener, "onRegState",
                                         "(JJIILjava/lang/String;IILjava/lang/String;)V");
    g_on_incoming_call = (*env)->GetMethodID(env, listener, "onIncomingCall",
                                             "(JJJLjava/lang/String;Ljava/lang/String;)V");
    g_on_call_state = (*env)->GetMethodID(env, listener, "onCallState",
                                          "(JJIILjava/lang/String;Ljava/lang/String;Z)V");
    g_on_call_media = (*env)->GetMethodID(env, listener, "onCallMedia", "(JJIZILjava/lang/String;)V");
    g_on_dtmf = (*env)->GetMethodID(env, listener, "onDtmf", "(JJCII)V");
    (*env)->DeleteLocalRef(env, listener);
    if (!g_on_reg_state || !g_on_incoming_call || !g_on_call_state || !g_on_call_media || !g_on_dtmf)
        return JNI_ERR;
    return JNI_VERSION_1_6;
}

/* ---- strings ------------------------------------------------------------- */

/* jstr makes a String of the UTF-8 text s (NULL: ""), decoded by Java's own
 * decoder (invalid bytes become U+FFFD). Returns NULL with an exception
 * pending when the VM is out of memory. */
static jstring jstr(JNIEnv *env, const char *s)
{
    jsize n;
    jbyteArray b;
    jstring str;
    if (s == NULL) s = "";
    n = (jsize)strlen(s);
    if ((b = (*env)->NewByteArray(env, n)) == NULL) return NULL;
    (*env)->SetByteArrayRegion(env, b, 0, n, (const jbyte *)s);
    str = (*env)->NewObject(env, g_string, g_string_new, b, g_utf8);
    (*env)->DeleteLocalRef(env, b);
    return str;
}

/* cstr copies the UTF-8 bytes of a (Sk400vop.utf8 made them: no NUL inside)
 * into a NUL-terminated C string in *out; a null array gives NULL, which the
 * C API reads as "not set". Returns 0, or -1 with OutOfMemoryError pending. */
static int cstr(JNIEnv *env, jbyteArray a, char **out)
{
    jsize n;
    *out = NULL;
    if (a == NULL) return 0;
    n = (*env)->GetArrayLength(env, a);
    if ((*out = malloc((size_t)n + 1)) == NULL) {
        (*env)->ThrowNew(env, g_oom, "sk400vop: string copy");
        return -1;
    }
    (*env)->GetByteArrayRegion(env, a, 0, n, (jbyte *)*out);
    (*out)[n] = '\0';
    return 0;
}

/* wipe_free frees a copy that held a password, overwriting it first. */
static void wipe_free(char *s)
{
    if (s == NULL) return;
    for (volatile char *p = s; *p; p++) *p = 0;
    free(s);
}

/* ---- errors -------------------------------------------------------------- */

/* throw_status raises Sk400vopException(status, message). The message is
 * the library's detail (sk400vop_last_error), which names the status itself
 * ("invalid argument: answer code 99: ..."), else strerror plus the detail,
 * else strerror alone. For a stack that is gone, or a failed create (stack
 * 0), the library keeps the detail in its process-wide slot. */
static void throw_status(JNIEnv *env, sk400vop_stack_id stack, sk400vop_status status)
{
    const char *name = sk400vop_strerror(status);
    char detail[512], msg[640];
    jstring jmsg;
    jobject ex;

    detail[0] = '\0';
    if (stack == 0 || sk400vop_last_error(stack, detail, sizeof detail) == SK400VOP_ERR_BAD_HANDLE)
        sk400vop_last_error(0, detail, sizeof detail);
    if (detail[0] == '\0')
        snprintf(msg, sizeof msg, "%s", name);
    else if (strncmp(detail, name, strlen(name)) == 0)
        snprintf(msg, sizeof msg, "%s", detail);
    else
        snprintf(msg, sizeof msg, "%s: %s", name, detail);
    if ((jmsg = jstr(env, msg)) == NULL) return;
    ex = (*env)->NewObject(env, g_exception, g_exception_new, (jint)status, jmsg);
    (*env)->DeleteLocalRef(env, jmsg);
    if (ex == NULL) return;
    (*env)->Throw(env, (jthrowable)ex);
    (*env)->DeleteLocalRef(env, ex);
}

/* check throws for a negative status; returns 1 when the status was OK. */
static int check(JNIEnv *env, jlong stack, sk400vop_status status)
{
    if (status >= 0) return 1;
    throw_status(env, (sk400vop_stack_id)stack, status);
    return 0;
}

/* ---- upcalls: stack -> Java, on the dispatcher thread --------------------- */

/* dispatcher_env returns the JNIEnv of the calling thread, attaching it the
 * first time. As a daemon: a stack the app never destroyed must not keep the
 * VM from exiting. NULL when the VM refuses (it is shutting down). */
static JNIEnv *dispatcher_env(void)
{
    static char name[] = "sk400vop-dispatcher";
    JavaVMAttachArgs args;
    JNIEnv *env = NULL;
    jint rc = (*g_vm)->GetEnv(g_vm, (void **)&env, JNI_VERSION_1_6);

    if (rc == JNI_OK) return env;
    if (rc != JNI_EDETACHED) return NULL;
    args.version = JNI_VERSION_1_6;
    args.name = name;
    args.group = NULL;
#ifdef __ANDROID__ /* the NDK's jni.h takes JNIEnv**, the JDK's void** */
    rc = (*g_vm)->AttachCurrentThreadAsDaemon(g_vm, &env, &args);
#else
    rc = (*g_vm)->AttachCurrentThreadAsDaemon(g_vm, (void **)&env, &args);
#endif
    if (rc != JNI_OK) return NULL;
    pthread_setspecific(g_detach_key, env); /* detach_thread runs at thread exit */
    return env;
}

/* upcall_begin opens a local frame for one event and returns the Listener as
 * a local reference. The dispatcher never returns to Java, so local
 * references would pile up without the frame; and the local reference keeps
 * the Listener alive if the callback destroys its own stack (which drops the
 * global one). Returns NULL when the event cannot be delivered. */
static JNIEnv *upcall_begin(void *app_ctx, jobject *listener)
{
    struct jstack *ctx = app_ctx;
    JNIEnv *env = dispatcher_env();
    if (env == NULL) return NULL;
    if ((*env)->PushLocalFrame(env, 16) != 0) {
        (*env)->ExceptionClear(env);
        return NULL;
    }
    *listener = (*env)->NewLocalRef(env, ctx->listener);
    return env;
}

/* upcall_end clears what the Listener threw (printed first, so the bug shows
 * in stderr or logcat): an exception left pending would break every later JNI
 * call on this thread, and the stack's other events must still arrive.
 * Nothing here touches the stack's context: it may be freed by now. */
static void upcall_end(JNIEnv *env)
{
    if ((*env)->ExceptionCheck(env)) {
        (*env)->ExceptionDescribe(env);
        (*env)->ExceptionClear(env);
    }
    (*env)->PopLocalFrame(env, NULL);
}

static void on_reg_state(void *app_ctx, sk400vop_stack_id stack, sk400vop_account_id account,
                         void *account_user_data, const sk400vop_reg_info *info)
{
    jobject l;
    jstring reason, error;
    JNIEnv *env = upcall_begin(app_ctx, &l);
    (void)account_user_data;
    if (env == NULL) return;
    if ((reason = jstr(env, info->reason)) != NULL && (error = jstr(env, info->error)) != NULL)
        (*env)->CallVoidMethod(env, l, g_on_reg_state, (jlong)stack, (jlong)account, (jint)info->state,
                               (jint)info->code, reason, (jint)info->expires, (jint)info->retry_after, error);
    upcall_end(env);
}

static void on_incoming_call(void *app_ctx, sk400vop_stack_id stack, sk400vop_account_id account,
                             void *account_user_data, sk400vop_call_id call, const sk400vop_call_info *info)
{
    jobject l;
    jstring uri, display;
    JNIEnv *env = upcall_begin(app_ctx, &l);
    (void)account_user_data;
    if (env == NULL) return;
    if ((uri = jstr(env, info->remote_uri)) != NULL && (display = jstr(env, info->remote_display)) != NULL)
        (*env)->CallVoidMethod(env, l, g_on_incoming_call, (jlong)stack, (jlong)account, (jlong)call, uri,
                               display);
    upcall_end(env);
}

static void on_call_state(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *call_user_data,
                          const sk400vop_call_info *info)
{
    jobject l;
    jstring reason, cause;
    JNIEnv *env = upcall_begin(app_ctx, &l);
    (void)call_user_data;
    if (env == NULL) return;
    if ((reason = jstr(env, info->reason)) != NULL && (cause = jstr(env, info->cause)) != NULL)
        (*env)->CallVoidMethod(env, l, g_on_call_state, (jlong)stack, (jlong)call, (jint)info->state,
                               (jint)info->code, reason, cause, (jboolean)(info->local != 0));
    upcall_end(env);
}

static void on_call_media(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *call_user_data,
                          const sk400vop_call_info *info)
{
    jobject l;
    jstring reason;
    JNIEnv *env = upcall_begin(app_ctx, &l);
    (void)call_user_data;
    if (env == NULL) return;
    if ((reason = jstr(env, info->reason)) != NULL)
        (*env)->CallVoidMethod(env, l, g_on_call_media, (jlong)stack, (jlong)call, (jint)info->event,
                               (jboolean)(info->held != 0), (jint)info->code, reason);
    upcall_end(env);
}

static void on_dtmf(void *app_ctx, sk400vop_stack_id stack, sk400vop_call_id call, void *call_user_data,
                    const sk400vop_dtmf_info *info)
{
    jobject l;
    JNIEnv *env = upcall_begin(app_ctx, &l);
    (void)call_user_data;
    if (env == NULL) return;
    (*env)->CallVoidMethod(env, l, g_on_dtmf, (jlong)stack, (jlong)call, (jchar)(unsigned char)info->digit,
                           (jint)info->method, (jint)info->duration_ms);
    upcall_end(env);
}

/* on_log runs on any internal thread, possibly inside the engine: it must not
 * block, so it never enters Java; it writes to logcat or stderr directly. */
static void on_log(void *app_ctx, int32_t level, const char *subsystem, const char *msg, size_t msg_len)
{
    (void)app_ctx;
#ifdef __ANDROID__
    static const int prio[] = {ANDROID_LOG_SILENT, ANDROID_LOG_ERROR, ANDROID_LOG_WARN, ANDROID_LOG_INFO,
                               ANDROID_LOG_DEBUG};
    __android_log_print(level >= 0 && level <= 4 ? prio[level] : ANDROID_LOG_INFO, "sk400vop", "%s: %.*s",
                        subsystem, (int)msg_len, msg);
#else
    fprintf(stderr, "sk400vop[%d] %s: %.*s\n", (int)level, subsystem, (int)msg_len, msg);
#endif
}

/* ---- natives of org.sk400vop.Sk400vop ------------------------------------ */

#define NATIVE(ret, name) JNIEXPORT ret JNICALL Java_org_sk400vop_Sk400vop_##name

NATIVE(jstring, version)(JNIEnv *env, jclass cls)
{
    (void)cls;
    return jstr(env, sk400vop_version());
}

NATIVE(jstring, strerror)(JNIEnv *env, jclass cls, jint status)
{
    (void)cls;
    return jstr(env, sk400vop_strerror((sk400vop_status)status));
}

NATIVE(jlong, create)(JNIEnv *env, jclass cls, jbyteArray listen, jbyteArray user_agent, jint log_level,
                      jobject listener)
{
    sk400vop_config cfg;
    sk400vop_events ev;
    sk400vop_stack_id id = 0;
    sk400vop_status st;
    struct jstack *ctx;
    char *l = NULL, *ua = NULL;
    (void)cls;

    if (cstr(env, listen, &l) != 0 || cstr(env, user_agent, &ua) != 0) goto out;
    if ((ctx = malloc(sizeof *ctx)) == NULL) {
        (*env)->ThrowNew(env, g_oom, "sk400vop: stack context");
        goto out;
    }
    if ((ctx->listener = (*env)->NewGlobalRef(env, listener)) == NULL) {
        free(ctx);
        (*env)->ThrowNew(env, g_oom, "sk400vop: listener reference");
        goto out;
    }

    sk400vop_config_init(&cfg);
    cfg.listen = l;
    cfg.user_agent = ua;
    cfg.dispatch = SK400VOP_DISPATCH_THREAD; /* one stable thread: attached once */
    cfg.log_level = log_level;
    sk400vop_events_init(&ev);
    ev.on_reg_state = on_reg_state;
    ev.on_incoming_call = on_incoming_call;
    ev.on_call_state = on_call_state;
    ev.on_call_media = on_call_media;
    ev.on_dtmf = on_dtmf;
    if (log_level > SK400VOP_LOG_NONE) ev.on_log = on_log;

    st = sk400vop_create(&cfg, &ev, NULL, NULL, ctx, &id);
    if (st != SK400VOP_OK) {
        (*env)->DeleteGlobalRef(env, ctx->listener);
        free(ctx);
        throw_status(env, 0, st);
        id = 0;
        goto out;
    }
    if (!registry_put(id, ctx)) {
        /* Without its entry destroy could not free ctx: give up the stack
         * now, while no Java code holds its id. */
        sk400vop_destroy(id);
        (*env)->DeleteGlobalRef(env, ctx->listener);
        free(ctx);
        (*env)->ThrowNew(env, g_oom, "sk400vop: stack table");
        id = 0;
    }
out:
    free(l);
    free(ua);
    return (jlong)id;
}

NATIVE(void, destroy)(JNIEnv *env, jclass cls, jlong stack)
{
    sk400vop_status st = sk400vop_destroy((sk400vop_stack_id)stack);
    (void)cls;
    /* Only the destroy that succeeded frees the context: a concurrent second
     * one gets BAD_HANDLE while the first may still be draining events that
     * use it. After a successful destroy no callback starts again (from a
     * callback: none after it returns, and it holds its own local ref). */
    if (st == SK400VOP_OK) {
        struct jstack *ctx = registry_take((sk400vop_stack_id)stack);
        if (ctx != NULL) {
            (*env)->DeleteGlobalRef(env, ctx->listener);
            free(ctx);
        }
    }
    check(env, stack, st);
}

NATIVE(jstring, localAddr)(JNIEnv *env, jclass cls, jlong stack, jbyteArray proto)
{
    char *p, buf[256];
    sk400vop_status st;
    (void)cls;
    if (cstr(env, proto, &p) != 0) return NULL;
    st = sk400vop_local_addr((sk400vop_stack_id)stack, p, buf, sizeof buf);
    free(p);
    return check(env, stack, st) ? jstr(env, buf) : NULL;
}

NATIVE(void, networkChanged)(JNIEnv *env, jclass cls, jlong stack, jbyteArray listen)
{
    char *l;
    sk400vop_status st;
    (void)cls;
    if (cstr(env, listen, &l) != 0) return;
    st = sk400vop_network_changed((sk400vop_stack_id)stack, l);
    free(l);
    check(env, stack, st);
}

NATIVE(jlong, accountAdd)(JNIEnv *env, jclass cls, jlong stack, jbyteArray aor, jbyteArray display,
                          jbyteArray auth_user, jbyteArray password, jbyteArray realm, jbyteArray registrar,
                          jbyteArray proxy, jbyteArray transport, jint expires, jint auto_answer,
                          jboolean accept_any)
{
    sk400vop_account_config cfg;
    sk400vop_account_id acc = 0;
    sk400vop_status st;
    char *s[8] = {0};
    jbyteArray in[8];
    int i;
    (void)cls;

    in[0] = aor, in[1] = display, in[2] = auth_user, in[3] = password;
    in[4] = realm, in[5] = registrar, in[6] = proxy, in[7] = transport;
    for (i = 0; i < 8; i++)
        if (cstr(env, in[i], &s[i]) != 0) goto out;

    sk400vop_account_config_init(&cfg);
    cfg.aor = s[0];
    cfg.display = s[1];
    cfg.auth_user = s[2];
    cfg.password = s[3];
    cfg.realm = s[4];
    cfg.registrar = s[5];
    cfg.proxy = s[6];
    cfg.transport = s[7];
    if (expires > 0) cfg.expires = (uint32_t)expires; /* else keep the default */
    cfg.auto_answer = auto_answer;
    cfg.accept_any = accept_any ? 1 : 0;
    st = sk400vop_account_add((sk400vop_stack_id)stack, &cfg, NULL, &acc);
    if (!check(env, stack, st)) acc = 0;
out:
    for (i = 0; i < 8; i++) {
        if (i == 3)
            wipe_free(s[i]);
        else
            free(s[i]);
    }
    return (jlong)acc;
}

NATIVE(void, accountRegister)(JNIEnv *env, jclass cls, jlong stack, jlong account)
{
    (void)cls;
    check(env, stack, sk400vop_account_register((sk400vop_stack_id)stack, (sk400vop_account_id)account));
}

NATIVE(void, accountUnregister)(JNIEnv *env, jclass cls, jlong stack, jlong account)
{
    (void)cls;
    check(env, stack, sk400vop_account_unregister((sk400vop_stack_id)stack, (sk400vop_account_id)account));
}

NATIVE(void, accountRemove)(JNIEnv *env, jclass cls, jlong stack, jlong account)
{
    (void)cls;
    check(env, stack, sk400vop_account_remove((sk400vop_stack_id)stack, (sk400vop_account_id)account));
}

NATIVE(jlong, callMake)(JNIEnv *env, jclass cls, jlong stack, jlong account, jbyteArray uri)
{
    char *u;
    sk400vop_call_id call = 0;
    sk400vop_status st;
    (void)cls;
    if (cstr(env, uri, &u) != 0) return 0;
    st = sk400vop_call_make((sk400vop_stack_id)stack, (sk400vop_account_id)account, u, NULL, NULL, &call);
    free(u);
    return check(env, stack, st) ? (jlong)call : 0;
}

NATIVE(void, callAnswer)(JNIEnv *env, jclass cls, jlong stack, jlong call, jint code, jboolean early_media)
{
    sk400vop_call_opts opts;
    (void)cls;
    sk400vop_call_opts_init(&opts); /* members left zero keep the account's media */
    opts.early_media = early_media ? 1 : 0;
    check(env, stack, sk400vop_call_answer((sk400vop_stack_id)stack, (sk400vop_call_id)call, code, &opts));
}

NATIVE(void, callReject)(JNIEnv *env, jclass cls, jlong stack, jlong call, jint code, jbyteArray reason)
{
    char *r;
    sk400vop_status st;
    (void)cls;
    if (cstr(env, reason, &r) != 0) return;
    st = sk400vop_call_reject((sk400vop_stack_id)stack, (sk400vop_call_id)call, code, r);
    free(r);
    check(env, stack, st);
}

NATIVE(void, callHangup)(JNIEnv *env, jclass cls, jlong stack, jlong call, jbyteArray reason)
{
    char *r;
    sk400vop_status st;
    (void)cls;
    if (cstr(env, reason, &r) != 0) return;
    st = sk400vop_call_hangup((sk400vop_stack_id)stack, (sk400vop_call_id)call, r);
    free(r);
    check(env, stack, st);
}

NATIVE(void, callHold)(JNIEnv *env, jclass cls, jlong stack, jlong call)
{
    (void)cls;
    check(env, stack, sk400vop_call_hold((sk400vop_stack_id)stack, (sk400vop_call_id)call));
}

NATIVE(void, callResume)(JNIEnv *env, jclass cls, jlong stack, jlong call)
{
    (void)cls;
    check(env, stack, sk400vop_call_resume((sk400vop_stack_id)stack, (sk400vop_call_id)call));
}

NATIVE(void, callSendDtmf)(JNIEnv *env, jclass cls, jlong stack, jlong call, jbyteArray digits, jint duration_ms)
{
    char *d;
    sk400vop_status st;
    (void)cls;
    if (cstr(env, digits, &d) != 0) return;
    st = sk400vop_call_send_dtmf((sk400vop_stack_id)stack, (sk400vop_call_id)call, d, (uint32_t)duration_ms);
    free(d);
    check(env, stack, st);
}
